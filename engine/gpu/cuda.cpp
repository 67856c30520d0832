// The CUDA back end: the CUDA runtime and cuBLAS (the libraries CuPy uses), opened with dlopen so the
// binary builds and runs without CUDA and uses the GPU on a node that has one. The few entry points
// are declared here, which keeps the CUDA toolkit out of the build.
#include <dlfcn.h>

#include <initializer_list>

#include <fmt/format.h>

#include "engine/core/error.hpp"
#include "engine/gpu/backend.hpp"

namespace parlab::gpu {
namespace {

using cudaError = int;
using cublasHandle = void*;
constexpr int kMemcpyHostToDevice = 1, kMemcpyDeviceToHost = 2, kCublasOpN = 0;

struct Api {
  int (*cuInit)(unsigned) = nullptr;
  int (*cuDriverGetVersion)(int*) = nullptr;
  int (*cuDeviceGet)(int*, int) = nullptr;
  int (*cuDeviceGetName)(char*, int, int) = nullptr;
  int (*cuDeviceTotalMem)(std::size_t*, int) = nullptr;
  cudaError (*cudaGetDeviceCount)(int*) = nullptr;
  cudaError (*cudaMalloc)(void**, std::size_t) = nullptr;
  cudaError (*cudaFree)(void*) = nullptr;
  cudaError (*cudaMemcpy)(void*, const void*, std::size_t, int) = nullptr;
  cudaError (*cudaDeviceSynchronize)() = nullptr;
  int (*cublasCreate)(cublasHandle*) = nullptr;
  int (*cublasDestroy)(cublasHandle) = nullptr;
  int (*cublasDgemm)(cublasHandle, int, int, int, int, int, const double*, const double*, int, const double*,
                     int, const double*, double*, int) = nullptr;
  int (*cublasSgemm)(cublasHandle, int, int, int, int, int, const float*, const float*, int, const float*,
                     int, const float*, float*, int) = nullptr;
};

void* open_first(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (void* h = dlopen(n, RTLD_NOW | RTLD_GLOBAL)) return h;
  return nullptr;
}

template <class F>
bool sym(void* lib, const char* name, F& out) {
  out = reinterpret_cast<F>(dlsym(lib, name));
  return out != nullptr;
}

bool load_api(Api& a, std::string& why) {
  void* drv = open_first({"libcuda.so.1", "libcuda.so"});
  if (!drv) {
    why = "no NVIDIA driver (libcuda.so.1 not found)";
    return false;
  }
  void* rt = open_first({"libcudart.so", "libcudart.so.13", "libcudart.so.12", "libcudart.so.11.0"});
  void* blas = open_first({"libcublas.so", "libcublas.so.13", "libcublas.so.12", "libcublas.so.11"});
  if (!rt || !blas) {
    why = "the CUDA runtime or cuBLAS library is missing (libcudart.so / libcublas.so: load the CUDA module)";
    return false;
  }
  bool ok = sym(drv, "cuInit", a.cuInit) && sym(drv, "cuDriverGetVersion", a.cuDriverGetVersion) &&
            sym(drv, "cuDeviceGet", a.cuDeviceGet) && sym(drv, "cuDeviceGetName", a.cuDeviceGetName) &&
            sym(drv, "cuDeviceTotalMem_v2", a.cuDeviceTotalMem) &&
            sym(rt, "cudaGetDeviceCount", a.cudaGetDeviceCount) && sym(rt, "cudaMalloc", a.cudaMalloc) &&
            sym(rt, "cudaFree", a.cudaFree) && sym(rt, "cudaMemcpy", a.cudaMemcpy) &&
            sym(rt, "cudaDeviceSynchronize", a.cudaDeviceSynchronize) &&
            sym(blas, "cublasCreate_v2", a.cublasCreate) && sym(blas, "cublasDestroy_v2", a.cublasDestroy) &&
            sym(blas, "cublasDgemm_v2", a.cublasDgemm) && sym(blas, "cublasSgemm_v2", a.cublasSgemm);
  if (!ok) why = "the CUDA libraries lack an entry point parlab needs (too old?)";
  return ok;
}

void check(cudaError err, const char* what) {
  if (err != 0) throw Error(fmt::format("parlab.gpu (CUDA): {} failed with error {}", what, err));
}

class Cuda final : public Backend {
 public:
  Cuda(const Api& api, Device info) : api_(api), info_(std::move(info)) {
    if (api_.cublasCreate(&blas_) != 0) throw Error("parlab.gpu (CUDA): cublasCreate failed");
  }
  ~Cuda() override { api_.cublasDestroy(blas_); }

  Device device() const override { return info_; }
  void* alloc(std::size_t bytes) override {
    void* p = nullptr;
    return api_.cudaMalloc(&p, bytes) == 0 ? p : nullptr;
  }
  void free(void* handle) noexcept override { api_.cudaFree(handle); }
  void upload(void* dst, const void* host, std::size_t bytes) override {
    check(api_.cudaMemcpy(dst, host, bytes, kMemcpyHostToDevice), "cudaMemcpy to the device");
  }
  void download(void* host, const void* src, std::size_t bytes) override {
    check(api_.cudaMemcpy(host, src, bytes, kMemcpyDeviceToHost), "cudaMemcpy from the device");
  }
  // cuBLAS is column-major: row-major C = A*B is column-major C^T = B^T * A^T, so swap the operands.
  void gemm(Elem e, std::size_t m, std::size_t n, std::size_t k, const void* a, const void* b,
            void* c) override {
    if (m == 0 || n == 0) return;
    int M = int(m), N = int(n), K = int(k);
    int s;
    if (e == Elem::F64) {
      const double one = 1, zero = 0;
      s = api_.cublasDgemm(blas_, kCublasOpN, kCublasOpN, N, M, K, &one, static_cast<const double*>(b), N,
                           static_cast<const double*>(a), K, &zero, static_cast<double*>(c), N);
    } else {
      const float one = 1, zero = 0;
      s = api_.cublasSgemm(blas_, kCublasOpN, kCublasOpN, N, M, K, &one, static_cast<const float*>(b), N,
                           static_cast<const float*>(a), K, &zero, static_cast<float*>(c), N);
    }
    if (s != 0) throw Error(fmt::format("parlab.gpu.matmul: cuBLAS failed with status {}", s));
  }
  void synchronize() override { check(api_.cudaDeviceSynchronize(), "cudaDeviceSynchronize"); }

 private:
  Api api_;
  Device info_;
  cublasHandle blas_ = nullptr;
};

}  // namespace

std::shared_ptr<Backend> open_cuda(std::string& why) {
  static Api api;
  static std::string load_error;
  static bool loaded = load_api(api, load_error);
  if (!loaded) {
    why = load_error;
    return nullptr;
  }
  int version = 0, count = 0, dev = 0;
  if (api.cuInit(0) != 0 || api.cuDriverGetVersion(&version) != 0) {
    why = "the NVIDIA driver did not initialise (no device, or driver too old)";
    return nullptr;
  }
  cudaError err = api.cudaGetDeviceCount(&count);
  if (err != 0 || count == 0) {
    why = err == 35 ? fmt::format("the NVIDIA driver ({}) is too old for this CUDA runtime", version)
                    : "no CUDA device";
    return nullptr;
  }
  Device info;
  info.backend = "cuda";
  info.kind = "gpu";
  char name[256] = {0};
  api.cuDeviceGet(&dev, 0);
  api.cuDeviceGetName(name, sizeof name - 1, dev);
  info.name = name;
  api.cuDeviceTotalMem(&info.memory, dev);
  return std::make_shared<Cuda>(api, info);
}

}  // namespace parlab::gpu
