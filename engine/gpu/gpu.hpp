#pragma once
// The GPU: device arrays, transfers and the matrix product, behind one interface with two back ends.
// CUDA + cuBLAS (what CuPy uses) and OpenCL + CLBlast (any OpenCL platform; PoCL gives a CPU device
// that runs the whole path on a machine without a GPU). Both are loaded with dlopen at run time, so
// one parlab binary builds and runs anywhere and uses a GPU where the node has one.
// PARLAB_GPU=cuda|opencl|off picks a back end; by default CUDA when a CUDA GPU answers, else an OpenCL
// GPU, else an OpenCL CPU device (labelled as an emulation), else none, with the reason.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace parlab::gpu {

enum class Elem { F32, F64 };
std::size_t elem_size(Elem e) noexcept;

struct Device {
  std::string backend;  // "cuda" | "opencl"
  std::string name;     // e.g. "NVIDIA H100 80GB HBM3", "pthread-Intel(R) Xeon(R) ..."
  std::string kind;     // "gpu" | "cpu"
  std::size_t memory = 0;
  bool emulation = false;  // an OpenCL CPU device standing in for a GPU
};

// Whether a device is usable; when not, why (no library, no device, driver too old, switched off).
struct Status {
  bool available = false;
  std::string reason;
  Device device;
};
Status status();

class Backend;

// Device memory holding rows x cols elements (cols = 0 for 1-D), freed when the last owner drops it.
// A buffer remembers the context it was made in: after reset() it refuses to be used.
class Buffer {
 public:
  Buffer(std::shared_ptr<Backend> backend, Elem e, std::int64_t rows, std::int64_t cols);
  ~Buffer();
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  Elem elem() const { return elem_; }
  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  std::int64_t count() const { return cols_ ? rows_ * cols_ : rows_; }
  std::size_t bytes() const { return std::size_t(count()) * elem_size(elem_); }
  void* handle() const;  // the back end's pointer (cl_mem or a device address); checks the context

 private:
  std::weak_ptr<Backend> backend_;
  Elem elem_;
  std::int64_t rows_, cols_;
  void* handle_ = nullptr;
};

// Allocates on the current device; throws parlab::Error naming the size when the device is full.
std::shared_ptr<Buffer> alloc(Elem e, std::int64_t rows, std::int64_t cols = 0);
// Host <-> device copies of the whole buffer (host holds exactly buf.bytes() bytes); they complete
// before returning, as CuPy's cupy.asarray / .get() do.
void upload(Buffer& dst, const void* host);
void download(const Buffer& src, void* host);
// c = a * b for row-major matrices of one element type; throws on shape or type mismatch.
void matmul(const Buffer& a, const Buffer& b, Buffer& c);
// Waits for all queued device work.
void synchronize();
// Drops the context (frees the device); buffers made before then raise when used.
void reset();

}  // namespace parlab::gpu
