-- A pool worker SIGKILLed at a random moment while multi-MiB arguments and results move through the
-- pool's channels: its task fails with the error that names the worker, its pid and the signal, no
-- get waits past its timeout, and the pool goes on. The seed is printed; PARLAB_TEST_SEED replays it.
-- (Found hanging for ever: a worker killed inside the channel's lock left a zombie that the parent, the
-- one process that would reap it, waited on: engine/exec/pool_channel.cpp.)
local T = require "check"
local ffi = require "ffi"
ffi.cdef "int kill(int pid, int sig); int usleep(unsigned usec);"

T.seed_random("PARLAB_TEST_SEED")

local ARG, RESULT = 4 * 2 ^ 20, 12 * 2 ^ 20

local function work(pids, slot, arg)
  local ffi_ = require "ffi"
  ffi_.cdef "int getpid(void);"
  pids[slot] = ffi_.C.getpid()
  return ("y"):rep(RESULT), #arg
end

for _, method in ipairs { "fork", "forkserver" } do
  T.test(method .. ": workers killed mid-transfer fail their tasks by name, and the pool goes on", function()
    local pids = parlab.Array("i", 2)
    local pool = parlab.Pool(2, { start_method = method })
    local big = ("x"):rep(ARG)
    local died = 0
    local round = 0
    -- At least 8 rounds; more (up to 20) while no kill has yet landed on a running task: a kill can land
    -- between tasks on a loaded machine, and then no task fails.
    while round < 8 or (died == 0 and round < 20) do
      round = round + 1
      local rs = {}
      for i = 1, 4 do rs[i] = pool:apply_async(work, pids, (i - 1) % 2, big) end
      ffi.C.usleep(math.random(0, 150000))
      local victim = pids[math.random(0, 1)]
      if victim > 0 then ffi.C.kill(victim, 9) end
      for i = 1, 4 do
        local ok, a, b = pcall(rs[i].get, rs[i], 30)
        if ok then
          T.eq(#a, RESULT, "round " .. round)
          T.eq(b, ARG)
        else
          T.ok(tostring(a):find("worker %d %(" .. method .. ", pid %d+%) died while running this task: " ..
            "signal 9 %(SIGKILL%)"), "round " .. round .. ": " .. tostring(a))
          died = died + 1
        end
      end
    end
    T.ok(died > 0, "at least one task failed by a kill")
    T.list(pool:map(function(x) return x * 2 end, { 1, 2, 3 }), { 2, 4, 6 }, "the pool goes on")
    pool:close()
    T.ok(pool:join(30), "the pool joins")
  end)
end

T.done()
