#pragma once
// The global interpreter lock, as CPython's "new GIL" (3.2+). Off unless switched on; while off every
// call here costs one relaxed load. Blocking engine calls and native kernels hold a gil::Release for
// their duration, exactly as NumPy and CPython's I/O release the GIL.

namespace parlab::gil {

bool enabled() noexcept;

// Drops the GIL for this object's lifetime when the calling thread holds it; otherwise does nothing.
class Release {
 public:
  Release() noexcept;
  ~Release();
  Release(const Release&) = delete;
  Release& operator=(const Release&) = delete;

 private:
  bool held_;
};

// Implemented by the threads issue; until then the GIL is never held.
bool held_by_this_thread() noexcept;
void acquire();
void release() noexcept;

}  // namespace parlab::gil
