-- Faults at random moments (seeded: the seed is printed, PARLAB_STRESS_SEED replays it): pool workers
-- SIGKILLed while busy with small tasks, the fork server killed, and whole programs stopped by SIGTERM and
-- SIGINT while their pools are busy. After each: the right error, the pool usable, no process left.
local T = require "check"
local internal = require "parlab.internal"
local ffi = require "ffi"
ffi.cdef "int kill(int pid, int sig); int usleep(unsigned usec); int getpid(void);"

T.seed_random("PARLAB_STRESS_SEED")

local function lines(cmd)
  local out, p = {}, io.popen(cmd)
  for l in p:lines() do out[#out + 1] = l end
  p:close()
  return out
end

T.test("Pool(3): workers killed at random during 300 small tasks; every task answers, the pool goes on", function()
  local pool = parlab.Pool(3)
  local pids = parlab.Array("i", 3)
  local function task(p, i)
    local f = require "ffi"
    pcall(f.cdef, "int getpid(void); int usleep(unsigned usec);")
    p[i % 3] = f.C.getpid()
    f.C.usleep(2000)
    return i * 2
  end
  local rs = {}
  for i = 1, 300 do rs[i] = pool:apply_async(task, pids, i) end
  local kills = 0
  for _ = 1, 6 do
    ffi.C.usleep(math.random(10000, 60000))
    local victim = pids[math.random(0, 2)]
    if victim > 0 and ffi.C.kill(victim, 9) == 0 then kills = kills + 1 end
  end
  local died = 0
  for i = 1, 300 do
    local ok, v = pcall(rs[i].get, rs[i], 60)
    if ok then
      T.eq(v, i * 2)
    else
      T.ok(tostring(v):find("died while running this task: signal 9 %(SIGKILL%)"), tostring(v))
      died = died + 1
    end
  end
  T.ok(died <= kills, died .. " tasks failed for " .. kills .. " kills")
  T.list(pool:map(function(x) return x + 1 end, { 1, 2 }), { 2, 3 })
  pool:close()
  T.ok(pool:join(30))
end)

T.test("the fork server killed: the next process start gets a new one", function()
  parlab.set_start_method("forkserver")
  local server = internal.forkserver_start()
  T.ok(server > 0)
  T.eq(ffi.C.kill(server, 9), 0)
  ffi.C.usleep(50000)
  local p = parlab.Process(function() os.exit(7) end)
  p:start()
  T.ok(p:join(30))
  T.eq(p.exitcode, 7)
  T.ok(internal.forkserver_start() ~= server, "a new server")
end)

local BUSY_POOL = [[
    local pool = parlab.Pool(2)
    print("busy")
    io.stdout:flush()
    local items = {}
    for i = 1, 2000 do items[i] = i end
    pool:map(function(x) parlab.sleep(0.05) return x end, items)
  ]]

-- Children that take turns holding one Lock, and a parent that waits for them.
local LOCK_HOLDERS = [[
    local lock = parlab.Lock()
    local ps = {}
    for i = 1, 3 do
      ps[i] = parlab.Process(function(l) for _ = 1, 1000 do l:acquire() parlab.sleep(0.01) l:release() end end, lock)
      ps[i]:start()
    end
    for i = 1, 3 do ps[i]:join() end
  ]]

-- A script (a busy process pool unless given) killed from outside by `sig` after a random delay.
local function stop_program(sig, want_status, script)
  local marker = "parlab-stress-" .. ffi.C.getpid() .. "-" .. math.random(1e6)
  local base = os.tmpname()  -- made (empty) by os.tmpname: removed below with the others
  local path = base .. "-" .. marker .. ".lua"  -- the marker in every command line of the program
  local f = assert(io.open(path, "w"))
  f:write(script or BUSY_POOL)
  f:close()
  local delay = 0.3 + math.random() * 0.5
  -- Started by python3, not by sh: sh starts a background command with SIGINT ignored.
  local launcher = "import signal, subprocess, sys, time\n"
    .. "p = subprocess.Popen(sys.argv[1:3])\n"
    .. "time.sleep(float(sys.argv[3])); p.send_signal(getattr(signal, 'SIG' + sys.argv[4]))\n"
    .. "try:\n    rc = p.wait(timeout=60)\nexcept subprocess.TimeoutExpired:\n    p.kill(); rc = 'hung'\n"
    .. "print(128 - rc if isinstance(rc, int) and rc < 0 else rc)\n"
  local py = path .. ".py"
  local g = assert(io.open(py, "w"))
  g:write(launcher)
  g:close()
  local status = lines(string.format("python3 %s %s %s %.2f %s 2>&1", py, arg[-1], path, delay, sig))
  os.remove(py)
  os.remove(path)
  os.remove(base)
  T.eq(status[#status], tostring(want_status), table.concat(status, "\n"))
  ffi.C.usleep(300000)
  -- "[p]": the pattern does not match the command line of the shell that runs pgrep
  T.eq(#lines("pgrep -f '[p]" .. marker:sub(2) .. "'"), 0, "no process of the stopped program is left")
end

T.test("SIGTERM of a whole program with a busy pool: exit status 143, no process left", function()
  stop_program("TERM", 143)
end)

T.test("SIGINT of a whole program with a busy pool: exit status 130, no process left", function()
  stop_program("INT", 130)
end)

T.test("SIGKILL of a parent whose children hold a Lock in turn: no child is left waiting on it", function()
  stop_program("KILL", 137, LOCK_HOLDERS)
end)

T.done()
