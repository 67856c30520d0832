-- Nothing is left behind: no orphans after SIGKILL of the parent, no zombies, exit joins non-daemon
-- children and terminates daemon ones (as Python does).
local T = require "check"
local internal = require "parlab.internal"

local slurp = T.slurp

local gone = T.pid_gone

local function wait_gone(pids, seconds)
  local deadline = parlab.clock() + seconds
  repeat
    local all = true
    for _, pid in ipairs(pids) do all = all and gone(pid) end
    if all then return true end
    parlab.sleep(0.02)
  until parlab.clock() > deadline
  return false
end

local write_script = T.write_script

-- Runs a parlab script in the background; returns its pid and the file its stdout goes to.
local function run_background(script)
  local out = os.tmpname()
  local pipe = io.popen(string.format("%q %q > %q 2>&1 & echo $!", arg[-1], script, out))
  local pid = tonumber(pipe:read("*l"))
  pipe:close()
  return pid, out
end

local function wait_for_line(file, pattern, seconds)
  local deadline = parlab.clock() + seconds
  repeat
    local text = slurp(file) or ""
    local m = text:match(pattern)
    if m then return m, text end
    parlab.sleep(0.02)
  until parlab.clock() > deadline
  return nil, slurp(file)
end

T.test("SIGKILL of the parent leaves no child of any method (nor the fork server) alive", function()
  local script = write_script([[
    local internal = require "parlab.internal"
    local pids = {}
    for _, m in ipairs{"fork", "spawn", "forkserver"} do
      local p = parlab.Process{target = function() parlab.sleep(60) end, start_method = m}
      p:start()
      pids[#pids + 1] = p.pid
    end
    local server = internal.forkserver_start()
    print("pids " .. table.concat(pids, " ") .. " " .. server .. " end")
    io.stdout:flush()
    parlab.sleep(60)
  ]])
  local parent, out = run_background(script)
  local line, text = wait_for_line(out, "pids ([%d ]+) end", 20)
  T.ok(line, "the script printed its children: " .. tostring(text))
  local pids = {}
  for pid in line:gmatch("%d+") do pids[#pids + 1] = tonumber(pid) end
  T.eq(#pids, 4)
  for _, pid in ipairs(pids) do T.ok(not gone(pid), "child " .. pid .. " runs before the kill") end
  os.execute("kill -9 " .. parent)
  T.ok(wait_gone(pids, 5), "every child died with its parent")
  os.remove(script)
  os.remove(out)
end)

T.test("at exit, non-daemon children are joined and daemon children terminated", function()
  local done = os.tmpname()
  os.remove(done)
  local script = write_script(string.format([[
    local p = parlab.Process{target = function(path)
      parlab.sleep(0.3)
      local f = io.open(path, "w"); f:write("finished"); f:close()
    end, args = {%q}, start_method = "forkserver"}
    p:start()
    local d = parlab.Process{target = function() parlab.sleep(60) end, daemon = true, start_method = "fork"}
    d:start()
    print("daemon " .. d.pid .. " end")
  ]], done))
  local t0 = parlab.clock()
  local pipe = io.popen(string.format("%q %q 2>&1", arg[-1], script))
  local text = pipe:read("*a")
  pipe:close()
  T.ok(parlab.clock() - t0 < 20, "exit did not wait for the daemon")
  T.eq(slurp(done), "finished")
  local daemon = tonumber(text:match("daemon (%d+) end"))
  T.ok(daemon, text)
  T.ok(wait_gone({ daemon }, 5), "the daemon child was terminated")
  os.remove(done)
  os.remove(script)
end)

T.test("a child that exits is reaped without join when its object is collected", function()
  local p = parlab.Process(function() end)
  p:start()
  local pid = p.pid
  parlab.sleep(0.2)
  p = nil  -- luacheck: ignore 311
  collectgarbage()
  collectgarbage()
  T.ok(wait_gone({ pid }, 5), "no zombie left")
  T.eq(internal.live_children(), 0)
end)

T.test("fork server: started from a single-threaded process, it survives a child's crash", function()
  local server = internal.forkserver_start()
  T.ok(server > 0)
  local p = parlab.Process { target = function() os.exit(3) end, start_method = "forkserver" }
  p:start()
  p:kill()
  p:join()
  T.ok(p.exitcode == -9 or p.exitcode == 3)
  T.eq(internal.forkserver_start(), server)
end)

T.test("with threads running: the fork server is spawned clean, and fork warns", function()
  local script = write_script([[
    local internal = require "parlab.internal"
    local t = parlab.Thread(function() parlab.sleep(1.5) end)
    t:start()
    parlab.sleep(0.05)
    local p = parlab.Process{target = function() os.exit(4) end, start_method = "forkserver"}
    p:start(); p:join()
    local server = internal.forkserver_start()
    local n = 0
    for _ in io.popen("ls /proc/" .. server .. "/task"):lines() do n = n + 1 end
    print("threads here " .. internal.thread_count() .. " server threads " .. n .. " exitcode " .. p.exitcode)
    local q = parlab.Process{target = function() os.exit(5) end, start_method = "fork"}
    q:start(); q:join()
    print("fork exitcode " .. q.exitcode)
    t:join()
  ]])
  local pipe = io.popen(string.format("%q %q 2>&1", arg[-1], script))
  local text = pipe:read("*a")
  pipe:close()
  os.remove(script)
  local here, server, code = text:match("threads here (%d+) server threads (%d+) exitcode (%d+)")
  T.ok(here, text)
  T.ok(tonumber(here) >= 2, "a thread runs beside the main one: " .. text)
  -- A fresh parlab has only its libraries' start-up threads (OpenBLAS's pool, stopped around fork).
  local fresh = io.popen(string.format("%q -e 'print(require(\"parlab.internal\").thread_count())'", arg[-1]))
  local baseline = tonumber(fresh:read("*l"))
  fresh:close()
  T.ok(tonumber(server) <= baseline, "the fork server runs no thread of ours: " .. text)
  T.eq(tonumber(code), 4)
  T.ok(text:find("fork exitcode 5", 1, true), text)
  T.ok(text:find("warning: fork() of a process that runs", 1, true), text)
end)

T.test("the fork server holds no descriptor of its parent's but stdio, the arena and its socket", function()
  local script = write_script([[
    local internal = require "parlab.internal"
    local files = {}
    for i = 1, 5 do files[i] = io.open("/dev/null") end
    local server = internal.forkserver_start()
    local n = 0
    for _ in io.popen("ls /proc/" .. server .. "/fd"):lines() do n = n + 1 end
    print("server fds " .. n)
  ]])
  local pipe = io.popen(string.format("%q %q 2>&1", arg[-1], script))
  local text = pipe:read("*a")
  pipe:close()
  os.remove(script)
  local n = tonumber(text:match("server fds (%d+)"))
  T.ok(n, text)
  T.ok(n <= 6, "stdin, stdout, stderr, the arena, the control socket, its signalfd: " .. text)
end)

T.done()
