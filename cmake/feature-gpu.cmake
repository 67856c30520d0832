# The GPU layer (engine/gpu/): CUDA and OpenCL back ends, both opened with dlopen at run time, so no
# library is linked. Only the OpenCL and CLBlast headers are needed to build the OpenCL back end.
find_path(OPENCL_HEADERS CL/cl.h)
find_path(CLBLAST_HEADERS clblast_c.h)
file(GLOB GPU_ENGINE_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/engine/gpu/*.cpp)
target_sources(parlab_engine PRIVATE ${GPU_ENGINE_SOURCES})
if(NOT OPENCL_HEADERS OR NOT CLBLAST_HEADERS)
  message(STATUS "parlab: OpenCL back end off (install ocl-icd-opencl-dev and libclblast-dev)")
  set_source_files_properties(${PROJECT_SOURCE_DIR}/engine/gpu/opencl.cpp PROPERTIES COMPILE_DEFINITIONS PARLAB_NO_OPENCL)
endif()
