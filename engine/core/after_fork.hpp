#pragma once
// PARLAB_AFTER_FORK marks a pthread_atfork child handler (engine/core/futex.hpp lists them). GCC places
// hot functions together, in .text.hot at the start of the code, so a fork child runs every handler from
// one or two code pages. Scattered, each handler's page was a page fault of its own in every fork-server
// child (five of its ~50 faults, ~30 us each on a VM: the file's pages are mapped afresh in each child).
#define PARLAB_AFTER_FORK [[gnu::hot]]
