#include "engine/gil.hpp"

namespace parlab::gil {

bool enabled() noexcept { return false; }
bool held_by_this_thread() noexcept { return false; }
void acquire() {}
void release() noexcept {}

Release::Release() noexcept : held_(held_by_this_thread()) {
  if (held_) release();
}

Release::~Release() {
  if (held_) acquire();
}

}  // namespace parlab::gil
