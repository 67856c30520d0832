// Chooses the GPU back end once per process and checks every call before a back end sees it.
#include <pthread.h>

#include <cstdlib>
#include <mutex>
#include <new>
#include <string>

#include <fmt/format.h>

#include "engine/core/after_fork.hpp"
#include "engine/core/error.hpp"
#include "engine/core/gil.hpp"
#include "engine/gpu/backend.hpp"
#include "engine/gpu/gpu.hpp"

namespace parlab::gpu {
namespace {

std::mutex lock;
std::shared_ptr<Backend> current;
Status current_status;
bool chosen = false;

// `lock` is held while a back end is chosen (a CUDA or OpenCL start: up to seconds), so another thread may
// fork meanwhile: the child gets a fresh lock. A choice in progress there is dropped (its half-built
// objects are leaked, not destroyed) and made again on the child's first use. With the lock free there is
// nothing to drop, and nothing is written (mutex_free reads the lock word).
PARLAB_AFTER_FORK void fresh_after_fork() {
  if (mutex_free(lock)) return;
  new (&lock) std::mutex;
  if (!chosen) {
    new (&current) std::shared_ptr<Backend>;
    new (&current_status) Status;
  }
}
[[maybe_unused]] const bool atfork_installed = [] {
  pthread_atfork(nullptr, nullptr, fresh_after_fork);
  return true;
}();

// PARLAB_GPU=cuda|opencl|off, else CUDA GPU, OpenCL GPU, OpenCL CPU device, in that order.
void choose() {
  const char* env = std::getenv("PARLAB_GPU");
  std::string want = env ? env : "";
  std::string why_cuda, why_ocl_gpu, why_ocl;
  current_status = {};
  if (want == "off") {
    current_status.reason = "switched off by PARLAB_GPU=off";
  } else if (want == "cuda") {
    current = open_cuda(why_cuda);
    if (!current) current_status.reason = "PARLAB_GPU=cuda: " + why_cuda;
  } else if (want == "opencl") {
    current = open_opencl(false, why_ocl);
    if (!current) current_status.reason = "PARLAB_GPU=opencl: " + why_ocl;
  } else if (!want.empty()) {
    current_status.reason = fmt::format("PARLAB_GPU={} is not one of cuda, opencl, off", want);
  } else {
    current = open_cuda(why_cuda);
    if (!current) current = open_opencl(true, why_ocl_gpu);
    if (!current) current = open_opencl(false, why_ocl);
    if (!current) current_status.reason = fmt::format("no GPU: CUDA: {}; OpenCL: {}", why_cuda, why_ocl);
  }
  if (current) {
    current_status.available = true;
    current_status.device = current->device();
  }
  chosen = true;
}

std::shared_ptr<Backend> backend() {
  std::lock_guard<std::mutex> guard(lock);
  if (!chosen) choose();
  if (!current) throw Error("parlab.gpu: no device available (" + current_status.reason + ")");
  return current;
}

std::string shape_text(const Buffer& b) {
  return b.cols() ? fmt::format("{}x{}", b.rows(), b.cols()) : fmt::format("{}", b.rows());
}

}  // namespace

std::size_t elem_size(Elem e) noexcept { return e == Elem::F32 ? 4 : 8; }

Status status() {
  std::lock_guard<std::mutex> guard(lock);
  if (!chosen) choose();
  return current_status;
}

Buffer::Buffer(std::shared_ptr<Backend> backend, Elem e, std::int64_t rows, std::int64_t cols)
    : backend_(backend), elem_(e), rows_(rows), cols_(cols) {
  if (rows < 0 || cols < 0) throw Error("parlab.gpu: array sizes must be non-negative");
  handle_ = backend->alloc(bytes() ? bytes() : 1);
  if (!handle_)
    throw Error(fmt::format("parlab.gpu: out of device memory allocating {} bytes on {}", bytes(),
                            backend->device().name));
}

Buffer::~Buffer() {
  if (auto b = backend_.lock()) b->free(handle_);
}

void* Buffer::handle() const {
  if (backend_.expired())
    throw Error("parlab.gpu: this device array belongs to a GPU context that was reset");
  return handle_;
}

std::shared_ptr<Buffer> alloc(Elem e, std::int64_t rows, std::int64_t cols) {
  return std::make_shared<Buffer>(backend(), e, rows, cols);
}

void upload(Buffer& dst, const void* host) {
  auto b = backend();
  void* h = dst.handle();
  gil::Release unlocked;
  b->upload(h, host, dst.bytes());
}

void download(const Buffer& src, void* host) {
  auto b = backend();
  const void* h = src.handle();
  gil::Release unlocked;
  b->download(host, h, src.bytes());
}

void matmul(const Buffer& a, const Buffer& b, Buffer& c) {
  if (!a.cols() || !b.cols() || !c.cols()) throw Error("parlab.gpu.matmul: arrays must be matrices");
  if (a.elem() != b.elem() || a.elem() != c.elem())
    throw Error("parlab.gpu.matmul: arrays must have one element type (f32 or f64)");
  if (a.cols() != b.rows() || c.rows() != a.rows() || c.cols() != b.cols())
    throw Error(fmt::format("parlab.gpu.matmul: shapes do not fit: {} * {} -> {}", shape_text(a),
                            shape_text(b), shape_text(c)));
  auto be = backend();
  const void *ha = a.handle(), *hb = b.handle();
  void* hc = c.handle();
  gil::Release unlocked;
  be->gemm(a.elem(), std::size_t(a.rows()), std::size_t(b.cols()), std::size_t(a.cols()), ha, hb, hc);
}

void synchronize() {
  auto b = backend();
  gil::Release unlocked;
  b->synchronize();
}

void reset() {
  std::lock_guard<std::mutex> guard(lock);
  current.reset();
  chosen = false;
}

}  // namespace parlab::gpu
