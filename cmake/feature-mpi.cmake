# MPI (parlab.mpi): built when CMake finds MPI (Debian: libopenmpi-dev and openmpi-bin); otherwise a stub
# makes parlab.mpi say what to install. engine/mpi and bindings/modules/mpi are not globbed by the main
# CMakeLists, so this file alone decides what is compiled. -DPARLAB_WITH_MPI=OFF builds the stub on purpose.
#
# With MPI, engine/mpi/*.cpp and bindings/modules/mpi/*.cpp become a plugin, parlab_mpi.so, the only object
# linked with libmpi: the parlab executable, libparlab.so and lua/parlab.so carry just the loader
# (bindings/modules/mpi/loader/), which dlopens the plugin the first time a script touches parlab.mpi. So a
# run that never uses MPI does not load libmpi and its chain (about 6 ms and 100 page faults per start).
# The plugin is left with undefined references to the engine and bindings: the host that loads it (whose
# symbols are global: the executable exports its own, the libraries promote theirs, locate.cpp) provides
# them, so there is one copy of every engine global (the transport key, the interrupt flag, ...).
option(PARLAB_WITH_MPI "Build parlab.mpi when MPI is found" ON)
if(PARLAB_WITH_MPI)
  find_package(MPI COMPONENTS C QUIET)
endif()

if(PARLAB_WITH_MPI AND MPI_C_FOUND)
  file(GLOB PARLAB_MPI_ENGINE CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/engine/mpi/*.cpp)
  file(GLOB PARLAB_MPI_BINDINGS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/bindings/modules/mpi/*.cpp)
  add_library(parlab_mpi MODULE ${PARLAB_MPI_ENGINE} ${PARLAB_MPI_BINDINGS})
  target_include_directories(parlab_mpi PRIVATE ${CMAKE_CURRENT_SOURCE_DIR} ${LUAJIT_INCLUDE})
  target_link_libraries(parlab_mpi PRIVATE MPI::MPI_C parlab::deps)
  # Its RUNPATH is exactly the folders of MPI's libraries, in the build tree and installed alike: CMake's
  # own build RPATH ends in an empty entry (":"), which makes the loader search the current directory.
  set(mpi_dirs "")
  foreach(lib ${MPI_C_LIBRARIES})
    get_filename_component(dir ${lib} DIRECTORY)
    list(APPEND mpi_dirs ${dir})
  endforeach()
  list(REMOVE_DUPLICATES mpi_dirs)
  set_target_properties(parlab_mpi PROPERTIES PREFIX "" OUTPUT_NAME parlab_mpi
                        LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}
                        INSTALL_RPATH "${mpi_dirs}" BUILD_WITH_INSTALL_RPATH ON)
  target_sources(parlab_bindings PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bindings/modules/mpi/loader/mpi_loader.cpp)
  # Building parlab builds what its parlab.mpi loads.
  add_dependencies(parlab parlab_mpi)
  set(PARLAB_HAVE_MPI ON)
  find_program(PARLAB_MPIEXEC NAMES mpirun mpiexec HINTS ${MPIEXEC_EXECUTABLE})
  message(STATUS "parlab.mpi: built with MPI ${MPI_C_VERSION} (${MPI_C_LIBRARIES}) as parlab_mpi.so")
else()
  target_sources(parlab_engine PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/engine/mpi/stub/no_mpi.cpp)
  target_sources(parlab_bindings PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/bindings/modules/mpi/stub/lua_mpi_missing.cpp)
  set(PARLAB_HAVE_MPI OFF)
  if(PARLAB_WITH_MPI)
    message(STATUS "parlab.mpi: MPI not found, building without it "
                   "(install the Debian packages libopenmpi-dev and openmpi-bin, then rebuild)")
  else()
    message(STATUS "parlab.mpi: disabled (-DPARLAB_WITH_MPI=OFF)")
  endif()
endif()
