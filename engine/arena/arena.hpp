#pragma once
// engine/arena: the shared arena, the memory every thread and process of one run shares (shm.hpp: one
// memfd mapped at the same address everywhere, so nothing is left in /dev/shm however the run ends), and
// the objects that live in it, each a Header with a reference count and a kind tag (shared_object.hpp).
// A shared object is named across processes by its offset; attaching checks the kind.
// Uses: core.
#include "engine/arena/shared_object.hpp"
#include "engine/arena/shm.hpp"
