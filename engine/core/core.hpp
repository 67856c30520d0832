#pragma once
// engine/core: what every other subsystem builds on. The one exception type (error.hpp), clocks and the
// CPUs a run may use (clock.hpp), and how every blocking call waits: on a 32-bit word shared by threads
// and processes, spinning briefly then sleeping in the kernel (futex.hpp), in slices that notice Ctrl-C
// (interrupt.hpp), with the global interpreter lock released while it sleeps (gil.hpp); and who the caller
// is (self.hpp: the pid and thread id, cached, and the process's thread count); a message in pieces for
// senders that copy it once (pieces.hpp).
// Uses: nothing else in engine/.
#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/liveness.hpp"
#include "engine/core/os_error.hpp"
#include "engine/core/pieces.hpp"
#include "engine/core/self.hpp"
