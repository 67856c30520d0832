-- Ctrl-C reaches a join, a pool map, a busy pool task, a Queue get, a Connection recv and parlab.sleep,
-- and the program ends at once (nothing waits for the interrupted threads). SIGINT is sent by a small
-- Python driver: a shell's background job ignores it.
local T = require "check"
local exe = arg[-1]

local driver = [==[
import subprocess, sys, time, signal
pr = subprocess.Popen([sys.argv[1], "-e", sys.argv[2]], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                      preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
pr.stdout.readline()
time.sleep(0.3)
t0 = time.time()
pr.send_signal(signal.SIGINT)
try:
    out = pr.communicate(timeout=15)[0].decode()
except subprocess.TimeoutExpired:
    pr.kill()
    out = pr.communicate()[0].decode() + "\nKILLED"
print("rc=%d seconds=%.2f" % (pr.returncode, time.time() - t0))
print(out)
]==]

local function interrupt(code)
  local path = os.tmpname()
  local w = assert(io.open(path, "w"))
  w:write(driver)
  w:close()
  local f = io.popen(string.format("python3 %q %q %q 2>&1", path, exe, code))
  local out = f:read("*a")
  f:close()
  os.remove(path)
  return out, tonumber(out:match("seconds=([%d%.]+)"))
end

local have_python = os.execute("python3 -c 'import subprocess' > /dev/null 2>&1") == 0

local cases = {
  join = [[local t = parlab.thread.start(function() parlab.sleep(20) end)
           print("go") io.stdout:flush() t:join()]],
  map = [[local p = parlab.ThreadPool(2) print("go") io.stdout:flush()
          p:map(function() parlab.sleep(20) end, { 1, 2 })]],
  busy = [[local p = parlab.ThreadPool(1) print("go") io.stdout:flush()
           p:map(function() jit.off() while true do end end, { 1 })]],
  get = [[local q = parlab.Queue() print("go") io.stdout:flush() q:get()]],
  recv = [[local _, b = parlab.Pipe() print("go") io.stdout:flush() b:recv()]],
  sleep = [[print("go") io.stdout:flush() parlab.sleep(60)]],
}
for name, code in pairs(cases) do
  T.test("Ctrl-C during " .. name .. " ends the program promptly", function()
    if not have_python then return end
    local out, secs = interrupt(code)
    T.ok(out:find("interrupted", 1, true), out)
    T.ok(not out:find("KILLED", 1, true), out)
    T.ok(secs and secs < 10, out)
    T.ok(not out:find("never joined", 1, true), "an interrupted thread is not reported: " .. out)
  end)
end

T.done()
