-- Daemon threads: the program's end does not wait for them (Python's Thread.daemon). parlab stops them
-- at the end (bindings/modules/lua_thread.cpp), so none runs while the process exits.
local T = require "check"

local function run(script)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(script)
  f:close()
  local started = os.time()
  local p = io.popen("timeout 60 " .. arg[-1] .. " " .. path .. " 2>&1; echo \"rc=$?\"")
  local out = p:read("*a")
  p:close()
  os.remove(path)
  return out, os.time() - started
end

T.test("a daemon thread blocked for ever, or spinning in compiled code, does not keep the program alive", function()
  local out, took = run [[
    local q = parlab.Queue()
    parlab.Thread { target = function(qq) return qq:get() end, args = { q }, daemon = true }:start()
    local t = parlab.Thread(function() local x = 0 while true do x = x + 1 end end)
    t.daemon = true
    t:start()
    print("main done", t.daemon)
  ]]
  T.ok(out:find("main done\ttrue", 1, true), out)
  T.ok(out:find("rc=0", 1, true), out)
  T.ok(took < 30, "took " .. took .. " s")
end)

T.test("a daemon started by a thread that ended is stopped at the program's end too", function()
  local out = run [[
    local t = parlab.Thread(function()
      parlab.Thread { target = function() while true do parlab.sleep(0.01) end end, daemon = true }:start()
      return "starter done"
    end)
    t:start()
    print(t:join())
  ]]
  T.ok(out:find("starter done", 1, true), out)
  T.ok(out:find("rc=0", 1, true), out)
end)

T.test("daemon is a boolean, set before start", function()
  local t = parlab.Thread(function() end)
  T.eq(t.daemon, false)
  T.raises("Thread.daemon: expected a boolean, got number", function() t.daemon = 1 end)
  T.raises("Thread: cannot set field 'color' (only daemon can be set)", function() t.color = 1 end)
  T.raises("Thread: daemon must be a boolean, got string", parlab.Thread, { target = print, daemon = "yes" })
  t:start()
  T.raises("cannot set daemon status of active thread", function() t.daemon = true end)
  t:join()
end)

T.done()
