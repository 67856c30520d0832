#pragma once
// PARLAB_AFTER_FORK marks a pthread_atfork child handler (engine/core/futex.hpp lists them). GCC places
// hot functions together, in .text.hot at the start of the code, so a fork child runs every handler from
// one or two code pages. Scattered, each handler's page was a page fault of its own in every fork-server
// child (five of its ~50 faults, ~30 us each on a VM: the file's pages are mapped afresh in each child).
#define PARLAB_AFTER_FORK [[gnu::hot]]

#include <mutex>

namespace parlab {

// Whether a mutex is free, by reading glibc's lock word: try_lock would write it, and in a fork child each
// page written costs a copy-on-write fault. A handler re-makes a mutex only when it is held (its holder, a
// thread the fork left behind, would never release it). Elsewhere a mutex counts as held: re-made, which
// is correct, only slower.
inline bool mutex_free(std::mutex& m) noexcept {
#ifdef __GLIBC__
  return m.native_handle()->__data.__lock == 0;
#else
  (void)m;
  return false;
#endif
}

}  // namespace parlab
