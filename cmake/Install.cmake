# `cmake --install build --prefix P` (or `make install PREFIX=P`) lays out a relocatable tree:
#   P/bin/parlab                       the command line (finds P/share/parlab/scripts from its own path)
#   P/lib/libparlab.so*                the C++ embedding library; P/include/parlab/*.hpp its headers
#   P/lib/lua/5.1/parlab.so            the Lua C module (finds P/bin/parlab from its own path)
#   P/lib/parlab/parlab_mpi.so         parlab.mpi's C half, the only object linked with libmpi (when built)
#   P/lib/pkgconfig/parlab.pc          pkg-config (paths relative to the .pc file's folder)
#   P/lib/cmake/parlab/                find_package(parlab): the imported target parlab::parlab
#   P/share/parlab/scripts, docs       the experiments (parlab lab) and the documentation
#   P/share/man/man1/parlab.1          the manual page
# The library folder is always "lib" (never lib/<multiarch>): bindings/library/locate.cpp finds
# P/bin/parlab as ../bin from it, and Debian's luajit searches /usr/lib/lua/5.1 by default.
include(CMakePackageConfigHelpers)
set(PARLAB_LIBDIR lib)

# A LuaRocks build (parlab-*.rockspec) names the rock's folders: the module goes to its lib folder and the
# executable to its bin folder, which LuaRocks deploys as TREE/lib/lua/5.1/parlab.so and TREE/bin/parlab
# (so the module still finds ../../../bin/parlab); the scripts and docs stay in the rock's own folder.
set(PARLAB_ROCK_LIBDIR "" CACHE PATH "LuaRocks build: where the Lua module goes (the rock's LIBDIR)")
set(PARLAB_ROCK_BINDIR "" CACHE PATH "LuaRocks build: where the executable goes (the rock's BINDIR)")
if(PARLAB_ROCK_LIBDIR)
  install(TARGETS parlab_lua_module LIBRARY DESTINATION ${PARLAB_ROCK_LIBDIR})
  install(TARGETS parlab RUNTIME DESTINATION ${PARLAB_ROCK_BINDIR})
  if(TARGET parlab_mpi)  # beside the module: TREE/lib/lua/5.1/parlab_mpi.so
    install(TARGETS parlab_mpi LIBRARY DESTINATION ${PARLAB_ROCK_LIBDIR})
  endif()
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/scripts/ DESTINATION share/parlab/scripts USE_SOURCE_PERMISSIONS)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION share/parlab/docs)
  return()
endif()

install(TARGETS parlab RUNTIME DESTINATION bin)
install(TARGETS parlab_shared EXPORT parlabTargets LIBRARY DESTINATION ${PARLAB_LIBDIR}
        INCLUDES DESTINATION include)
install(TARGETS parlab_lua_module LIBRARY DESTINATION ${PARLAB_LIBDIR}/lua/5.1)
# The MPI plugin, which all three load on the first touch of parlab.mpi (bindings/modules/mpi/loader/).
if(TARGET parlab_mpi)
  install(TARGETS parlab_mpi LIBRARY DESTINATION ${PARLAB_LIBDIR}/parlab)
endif()
# Debian's luajit searches lib/<multiarch>/lua/5.1 (not lib/lua/5.1) under /usr: a relative link there
# lets the package's module load with no LUA_CPATH. The module resolves links before it looks for
# ../../../bin/parlab, so the link changes nothing else.
if(CMAKE_LIBRARY_ARCHITECTURE)
  set(multiarch_lua ${PARLAB_LIBDIR}/${CMAKE_LIBRARY_ARCHITECTURE}/lua/5.1)
  file(CREATE_LINK ../../../lua/5.1/parlab.so ${PROJECT_BINARY_DIR}/multiarch-parlab.so SYMBOLIC)
  install(FILES ${PROJECT_BINARY_DIR}/multiarch-parlab.so DESTINATION ${multiarch_lua} RENAME parlab.so)
endif()
install(FILES ${PARLAB_EMBED_HEADERS} DESTINATION include/parlab)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/scripts/ DESTINATION share/parlab/scripts USE_SOURCE_PERMISSIONS)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION share/parlab/docs)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION share/parlab)
install(FILES ${PROJECT_SOURCE_DIR}/man/parlab.1 DESTINATION share/man/man1)

configure_file(${PROJECT_SOURCE_DIR}/cmake/parlab.pc.in ${PROJECT_BINARY_DIR}/parlab.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/parlab.pc DESTINATION ${PARLAB_LIBDIR}/pkgconfig)

install(EXPORT parlabTargets NAMESPACE parlab:: DESTINATION ${PARLAB_LIBDIR}/cmake/parlab)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/parlabConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/parlabConfig.cmake
                              INSTALL_DESTINATION ${PARLAB_LIBDIR}/cmake/parlab)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/parlabConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/parlabConfig.cmake ${PROJECT_BINARY_DIR}/parlabConfigVersion.cmake
        DESTINATION ${PARLAB_LIBDIR}/cmake/parlab)
