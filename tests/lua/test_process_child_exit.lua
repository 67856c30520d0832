-- A forkserver child runs its target in the server's prepared Lua state and ends without closing it; it
-- collects that state only when the target took something from the shared arena (bindings/worker/
-- process_backend.cpp). Either way, what the target took comes back: the arena is where it was.
local T = require "check"

local function used() return parlab.memory().arena_used end

local function run(target, ...)
  local p = parlab.Process { target = target, args = { ... }, start_method = "forkserver" }
  p:start()
  p:join()
  return p.exitcode
end

run(function() end)  -- the fork server and its first child set up whatever stays

T.test("a trivial target ends cleanly and leaves the arena as it was", function()
  local before = used()
  for _ = 1, 5 do T.eq(run(function() end), 0) end
  T.eq(used(), before)
end)

T.test("objects a child makes and drops are given back to the arena", function()
  local before = used()
  T.eq(run(function()
    local q = parlab.Queue()
    q:put(("x"):rep(10000))
    local a = parlab.array("f64", { 4096 })
    a:fill(1)
  end), 0)
  T.eq(used(), before)
end)

T.test("a child's reference to an object it was handed is dropped as it ends", function()
  local before = used()
  local q = parlab.Queue()
  T.eq(run(function(queue) queue:put(1) end, q), 0)
  T.eq(q:get(), 1)
  q = nil  -- luacheck: ignore 311
  collectgarbage()
  collectgarbage()
  T.eq(used(), before)
end)

T.done()
