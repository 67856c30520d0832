#pragma once
// What each GPU back end implements (engine/gpu/cuda.cpp, engine/gpu/opencl.cpp); engine/gpu/gpu.cpp
// chooses one and checks every argument before a back end sees it.
#include <memory>
#include <string>

#include "engine/gpu/gpu.hpp"

namespace parlab::gpu {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Device device() const = 0;
  virtual void* alloc(std::size_t bytes) = 0;  // nullptr when the device is out of memory
  virtual void free(void* handle) noexcept = 0;
  virtual void upload(void* dst, const void* host, std::size_t bytes) = 0;
  virtual void download(void* host, const void* src, std::size_t bytes) = 0;
  // Row-major c(m x n) = a(m x k) * b(k x n); queued, finished by synchronize().
  virtual void gemm(Elem e, std::size_t m, std::size_t n, std::size_t k, const void* a, const void* b,
                    void* c) = 0;
  virtual void synchronize() = 0;
};

// Each returns nullptr and sets why when its library or a device is missing.
std::shared_ptr<Backend> open_cuda(std::string& why);
// want_gpu: only accept a GPU device (the automatic choice tries GPUs first, then CPU devices).
std::shared_ptr<Backend> open_opencl(bool want_gpu, std::string& why);

}  // namespace parlab::gpu
