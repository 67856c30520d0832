-- The CPU that idle waiters cost, and how fast Ctrl-C ends their waits: each scenario runs in its own
-- parlab process, blocked in one kind of wait; this driver sums the CPU time (/proc/PID/stat) of that
-- process and all its descendants over a window, then sends SIGINT and times the exit.
--   parlab bench/idle_waits.lua [seconds (default 5)] [scenario ...]
-- Prints one line per scenario: CPU-seconds per second of the whole process tree, of the waiting process
-- alone, and SIGINT-to-exit in milliseconds (the script's teardown included). /proc counts in clock ticks
-- (10 ms): over 5 s, figures below 0.002 CPU-s/s are at the resolution.
local exe, format = arg[-1], string.format
local window = tonumber(arg[1]) or 5

local scenarios = {
  { "queue200", "200 threads blocked in Queue:get", [[
      local q = parlab.Queue()
      for _ = 1, 200 do parlab.Thread { target = function() q:get() end, daemon = true }:start() end
      parlab.sleep(1)
      q:get() ]] },
  { "join", "Process:join on a child in parlab.sleep", [[
      local p = parlab.Process { target = function() parlab.sleep(600) end }
      p:start()
      parlab.sleep(1)
      p:join() ]] },
  { "pool", "Pool(2) waiting on one long task", [[
      local pool = parlab.Pool(2)
      local r = pool:apply_async(function() parlab.sleep(600) end)
      parlab.sleep(1)
      r:get() ]] },
  { "pipe50", "50 threads blocked in Connection:recv", [[
      local a, b = parlab.Pipe()
      for _ = 1, 50 do parlab.Thread { target = function() b:recv() end, daemon = true }:start() end
      parlab.sleep(1)
      b:recv() ]] },
}

local function ticks(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return 0, nil end
  local s = f:read("*a")
  f:close()
  local rest = s:match("%) (.*)")  -- after the command name, which may hold spaces
  local fields = {}
  for w in rest:gmatch("%S+") do fields[#fields + 1] = w end
  -- rest starts at field 3 (state): ppid is field 4, utime 14, stime 15
  return tonumber(fields[12]) + tonumber(fields[13]), tonumber(fields[2])
end

-- Every process under root (root included), by parent links read from /proc.
local function tree(root)
  local parent = {}
  for pid in io.popen("ls /proc"):lines() do
    if pid:match("^%d+$") then
      local _, ppid = ticks(pid)
      if ppid then parent[tonumber(pid)] = ppid end
    end
  end
  local inside, changed = { [root] = true }, true
  while changed do
    changed = false
    for pid, ppid in pairs(parent) do
      if inside[ppid] and not inside[pid] then inside[pid], changed = true, true end
    end
  end
  return inside
end

local function cpu(pids)
  local total = 0
  for pid in pairs(pids) do total = total + ticks(pid) end
  return total / 100  -- USER_HZ
end

local function loadavg()
  local f = io.open("/proc/loadavg")
  local l = f:read("*l")
  f:close()
  return l:match("^(%S+)")
end

local want = {}
for i = 2, #arg do want[arg[i]] = true end
for _, sc in ipairs(scenarios) do
  if next(want) == nil or want[sc[1]] then
    local script = os.tmpname()
    local w = assert(io.open(script, "w"))
    w:write('print(require("parlab.internal").getpid()) io.stdout:flush()\n', sc[3])
    w:close()
    -- Not started with '&': a background job of a non-interactive shell would ignore SIGINT.
    local pipe = io.popen(format("%q %q 2>&1", exe, script))
    local pid = tonumber(pipe:read("*l"))
    parlab.sleep(2)  -- its waiters are set up and asleep by now
    local pids = tree(pid)
    local load0 = loadavg()
    local t0, all0, own0 = parlab.clock(), cpu(pids), cpu { [pid] = true }
    parlab.sleep(window)
    local t1, all1, own1 = parlab.clock(), cpu(pids), cpu { [pid] = true }
    os.execute("kill -INT " .. pid)
    local k0 = parlab.clock()
    local out = pipe:read("*a")
    local exit_ms = (parlab.clock() - k0) * 1e3
    pipe:close()
    os.remove(script)
    print(format("%-9s %-42s tree %.4f CPU-s/s, waiter %.4f CPU-s/s, SIGINT to exit %4.0f ms, load %s%s",
                 sc[1], sc[2], (all1 - all0) / (t1 - t0), (own1 - own0) / (t1 - t0), exit_ms, load0,
                 out:find("interrupted", 1, true) and "" or "  (no 'interrupted' in its output)"))
  end
end
