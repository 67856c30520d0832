# Finds each dependency and, when one is missing, names the Debian package that brings it.
find_package(PkgConfig QUIET)

function(parlab_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR "parlab needs ${what}: install the Debian package '${package}' "
                        "(tools/install-deps.sh installs everything)")
  endif()
endfunction()

# LuaJIT, linked statically so the parlab binary can be copied to a cluster node alone.
find_path(LUAJIT_INCLUDE luajit.h PATH_SUFFIXES luajit-2.1)
find_library(LUAJIT_STATIC NAMES libluajit-5.1.a)
parlab_require(LUAJIT_INCLUDE "LuaJIT headers" libluajit-5.1-dev)
parlab_require(LUAJIT_STATIC "the static LuaJIT library" libluajit-5.1-dev)
add_library(parlab::luajit INTERFACE IMPORTED)
target_include_directories(parlab::luajit INTERFACE ${LUAJIT_INCLUDE})
target_link_libraries(parlab::luajit INTERFACE ${LUAJIT_STATIC} dl m)

find_program(LUAJIT_EXE luajit)

# libedit (BSD licence) rather than GNU readline (GPL) for the REPL's line editing. Only its headers
# are used at build time: the REPL dlopens it on first use (cli/libedit.cpp), so a script's start does
# not map it; the library is still required, since an installed parlab needs it at run time.
find_path(LIBEDIT_INCLUDE editline/readline.h)
find_library(LIBEDIT_LIB edit)
parlab_require(LIBEDIT_INCLUDE "libedit headers" libedit-dev)
parlab_require(LIBEDIT_LIB "libedit" libedit-dev)
add_library(parlab::libedit INTERFACE IMPORTED)
target_include_directories(parlab::libedit INTERFACE ${LIBEDIT_INCLUDE})
target_link_libraries(parlab::libedit INTERFACE dl)

find_package(OpenMP)
parlab_require(OpenMP_CXX_FOUND "OpenMP" "g++ (libgomp)")

find_path(CBLAS_INCLUDE cblas.h PATH_SUFFIXES openblas-pthread openblas)
find_library(OPENBLAS_LIB NAMES openblas PATH_SUFFIXES openblas-pthread)
parlab_require(CBLAS_INCLUDE "CBLAS headers" libopenblas-dev)
parlab_require(OPENBLAS_LIB "OpenBLAS" libopenblas-dev)

find_package(fmt QUIET)
parlab_require(fmt_FOUND "the fmt formatting library" libfmt-dev)

find_package(Threads REQUIRED)

add_library(parlab::deps INTERFACE IMPORTED)
target_include_directories(parlab::deps INTERFACE ${CBLAS_INCLUDE})
# fmt header-only: one shared library fewer for the binary an HPC user copies to a cluster.
# OpenBLAS is opened with dlopen on first use (engine/kernels/blas_lib.hpp): linked, its constructor would
# start a thread pool in every parlab process. Its soname first, then the path found here.
target_link_libraries(parlab::deps INTERFACE OpenMP::OpenMP_CXX fmt::fmt-header-only Threads::Threads rt
                      ${CMAKE_DL_LIBS})
set_source_files_properties(${PROJECT_SOURCE_DIR}/engine/kernels/blas_lib.cpp
                            PROPERTIES COMPILE_DEFINITIONS "PARLAB_OPENBLAS_PATH=\"${OPENBLAS_LIB}\"")
