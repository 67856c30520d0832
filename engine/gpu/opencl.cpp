// The OpenCL back end: any OpenCL platform (GPUs, or PoCL on the CPU), CLBlast for the product.
// libOpenCL and libclblast are opened with dlopen so the binary does not need them to start.
#ifndef PARLAB_NO_OPENCL
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <clblast_c.h>
#endif
#include <dlfcn.h>

#include <vector>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/gpu/backend.hpp"

namespace parlab::gpu {

#ifdef PARLAB_NO_OPENCL
std::shared_ptr<Backend> open_opencl(bool, std::string& why) {
  why = "parlab was built without the OpenCL headers (Debian: ocl-icd-opencl-dev, libclblast-dev)";
  return nullptr;
}
#else
namespace {

// The entry points we use, looked up once.
struct Api {
#define PARLAB_CL_FN(name) decltype(&::name) name = nullptr;
  PARLAB_CL_FN(clGetPlatformIDs)
  PARLAB_CL_FN(clGetDeviceIDs)
  PARLAB_CL_FN(clGetDeviceInfo)
  PARLAB_CL_FN(clCreateContext)
  PARLAB_CL_FN(clCreateCommandQueue)
  PARLAB_CL_FN(clCreateBuffer)
  PARLAB_CL_FN(clReleaseMemObject)
  PARLAB_CL_FN(clEnqueueWriteBuffer)
  PARLAB_CL_FN(clEnqueueReadBuffer)
  PARLAB_CL_FN(clFinish)
  PARLAB_CL_FN(clReleaseCommandQueue)
  PARLAB_CL_FN(clReleaseContext)
  PARLAB_CL_FN(CLBlastSgemm)
  PARLAB_CL_FN(CLBlastDgemm)
#undef PARLAB_CL_FN
};

bool load_api(Api& api, std::string& why) {
  void* cl = dlopen("libOpenCL.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!cl) {
    why = "libOpenCL.so.1 not found (Debian: ocl-icd-libopencl1, and a driver such as pocl-opencl-icd)";
    return false;
  }
  void* blas = dlopen("libclblast.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!blas) {
    why = "libclblast.so.1 not found (Debian: libclblast1)";
    return false;
  }
// One symbol each; a missing one names itself (do/while makes each use a statement that ends in ';').
#define PARLAB_CL_LOAD(lib, name)                                       \
  do {                                                                  \
    api.name = reinterpret_cast<decltype(api.name)>(dlsym(lib, #name)); \
    if (!api.name) {                                                    \
      why = "OpenCL library lacks " #name;                              \
      return false;                                                     \
    }                                                                   \
  } while (0)
  PARLAB_CL_LOAD(cl, clGetPlatformIDs);
  PARLAB_CL_LOAD(cl, clGetDeviceIDs);
  PARLAB_CL_LOAD(cl, clGetDeviceInfo);
  PARLAB_CL_LOAD(cl, clCreateContext);
  PARLAB_CL_LOAD(cl, clCreateCommandQueue);
  PARLAB_CL_LOAD(cl, clCreateBuffer);
  PARLAB_CL_LOAD(cl, clReleaseMemObject);
  PARLAB_CL_LOAD(cl, clEnqueueWriteBuffer);
  PARLAB_CL_LOAD(cl, clEnqueueReadBuffer);
  PARLAB_CL_LOAD(cl, clFinish);
  PARLAB_CL_LOAD(cl, clReleaseCommandQueue);
  PARLAB_CL_LOAD(cl, clReleaseContext);
  PARLAB_CL_LOAD(blas, CLBlastSgemm);
  PARLAB_CL_LOAD(blas, CLBlastDgemm);
#undef PARLAB_CL_LOAD
  return true;
}

void check(cl_int err, const char* what) {
  if (err != CL_SUCCESS) throw Error(fmt::format("parlab.gpu (OpenCL): {} failed with error {}", what, err));
}

class OpenCL final : public Backend {
 public:
  OpenCL(const Api& api, cl_device_id dev, bool is_gpu) : api_(api), dev_(dev) {
    cl_int err = 0;
    ctx_ = api_.clCreateContext(nullptr, 1, &dev_, nullptr, nullptr, &err);
    check(err, "clCreateContext");
    queue_ = api_.clCreateCommandQueue(ctx_, dev_, 0, &err);
    check(err, "clCreateCommandQueue");
    info_.backend = "opencl";
    info_.name = text(CL_DEVICE_NAME);
    info_.kind = is_gpu ? "gpu" : "cpu";
    info_.emulation = !is_gpu;
    cl_ulong mem = 0;
    api_.clGetDeviceInfo(dev_, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof mem, &mem, nullptr);
    info_.memory = std::size_t(mem);
    cl_device_fp_config fp64 = 0;
    api_.clGetDeviceInfo(dev_, CL_DEVICE_DOUBLE_FP_CONFIG, sizeof fp64, &fp64, nullptr);
    has_fp64_ = fp64 != 0;
  }
  ~OpenCL() override {
    api_.clReleaseCommandQueue(queue_);
    api_.clReleaseContext(ctx_);
  }

  Device device() const override { return info_; }

  void* alloc(std::size_t bytes) override {
    cl_int err = 0;
    cl_mem m = api_.clCreateBuffer(ctx_, CL_MEM_READ_WRITE, bytes, nullptr, &err);
    return err == CL_SUCCESS ? m : nullptr;
  }
  void free(void* handle) noexcept override { api_.clReleaseMemObject(static_cast<cl_mem>(handle)); }

  void upload(void* dst, const void* host, std::size_t bytes) override {
    if (bytes)
      check(api_.clEnqueueWriteBuffer(queue_, static_cast<cl_mem>(dst), CL_TRUE, 0, bytes, host, 0, nullptr,
                                      nullptr),
            "clEnqueueWriteBuffer");
  }
  void download(void* host, const void* src, std::size_t bytes) override {
    if (bytes)
      check(api_.clEnqueueReadBuffer(queue_, static_cast<cl_mem>(const_cast<void*>(src)), CL_TRUE, 0, bytes,
                                     host, 0, nullptr, nullptr),
            "clEnqueueReadBuffer");
  }

  void gemm(Elem e, std::size_t m, std::size_t n, std::size_t k, const void* a, const void* b,
            void* c) override {
    if (m == 0 || n == 0) return;
    auto A = static_cast<cl_mem>(const_cast<void*>(a)), B = static_cast<cl_mem>(const_cast<void*>(b));
    auto C = static_cast<cl_mem>(c);
    CLBlastStatusCode s;
    if (e == Elem::F64) {
      if (!has_fp64_) throw Error("parlab.gpu.matmul: this OpenCL device has no f64 support; use f32");
      s = api_.CLBlastDgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, m, n, k, 1.0, A, 0,
                            k, B, 0, n, 0.0, C, 0, n, &queue_, nullptr);
    } else {
      s = api_.CLBlastSgemm(CLBlastLayoutRowMajor, CLBlastTransposeNo, CLBlastTransposeNo, m, n, k, 1.0f, A,
                            0, k, B, 0, n, 0.0f, C, 0, n, &queue_, nullptr);
    }
    if (s != CLBlastSuccess)
      throw Error(fmt::format("parlab.gpu.matmul: CLBlast failed with status {}", int(s)));
  }

  void synchronize() override { check(api_.clFinish(queue_), "clFinish"); }

 private:
  std::string text(cl_device_info what) {
    char buf[256] = {0};
    api_.clGetDeviceInfo(dev_, what, sizeof buf - 1, buf, nullptr);
    return buf;
  }
  Api api_;
  cl_device_id dev_;
  cl_context ctx_ = nullptr;
  cl_command_queue queue_ = nullptr;
  Device info_;
  bool has_fp64_ = false;
};

}  // namespace

std::shared_ptr<Backend> open_opencl(bool want_gpu, std::string& why) {
  static Api api;
  static std::string load_error;
  static bool loaded = load_api(api, load_error);
  if (!loaded) {
    why = load_error;
    return nullptr;
  }
  cl_uint nplat = 0;
  if (api.clGetPlatformIDs(0, nullptr, &nplat) != CL_SUCCESS || nplat == 0) {
    why = "no OpenCL platform (install a driver: a GPU vendor's ICD, or pocl-opencl-icd for the CPU)";
    return nullptr;
  }
  std::vector<cl_platform_id> plats(nplat);
  api.clGetPlatformIDs(nplat, plats.data(), nullptr);
  for (cl_platform_id p : plats) {
    cl_device_id dev;
    cl_uint ndev = 0;
    cl_device_type type = want_gpu ? CL_DEVICE_TYPE_GPU : CL_DEVICE_TYPE_ALL;
    if (api.clGetDeviceIDs(p, type, 1, &dev, &ndev) == CL_SUCCESS && ndev > 0) {
      cl_device_type actual = 0;
      api.clGetDeviceInfo(dev, CL_DEVICE_TYPE, sizeof actual, &actual, nullptr);
      return std::make_shared<OpenCL>(api, dev, (actual & CL_DEVICE_TYPE_GPU) != 0);
    }
  }
  why = want_gpu ? "no OpenCL GPU device" : "no OpenCL device";
  return nullptr;
}
#endif

}  // namespace parlab::gpu
