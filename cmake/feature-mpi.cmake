# MPI (parlab.mpi): built in when CMake finds MPI (Debian: libopenmpi-dev and openmpi-bin); otherwise a
# stub makes parlab.mpi say what to install. engine/mpi and bindings/modules/mpi are not globbed by the main
# CMakeLists, so this file alone decides what is compiled. -DPARLAB_WITH_MPI=OFF builds the stub on purpose.
option(PARLAB_WITH_MPI "Build parlab.mpi when MPI is found" ON)
if(PARLAB_WITH_MPI)
  find_package(MPI COMPONENTS C QUIET)
endif()

if(PARLAB_WITH_MPI AND MPI_C_FOUND)
  file(GLOB PARLAB_MPI_ENGINE CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/engine/mpi/*.cpp)
  file(GLOB PARLAB_MPI_BINDINGS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/bindings/modules/mpi/*.cpp)
  target_sources(parlab_engine PRIVATE ${PARLAB_MPI_ENGINE})
  target_sources(parlab_bindings PRIVATE ${PARLAB_MPI_BINDINGS})
  target_link_libraries(parlab_engine PUBLIC MPI::MPI_C)
  target_compile_definitions(parlab_engine PUBLIC PARLAB_HAVE_MPI=1)
  set(PARLAB_HAVE_MPI ON)
  find_program(PARLAB_MPIEXEC NAMES mpirun mpiexec HINTS ${MPIEXEC_EXECUTABLE})
  message(STATUS "parlab.mpi: built with MPI ${MPI_C_VERSION} (${MPI_C_LIBRARIES})")
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
