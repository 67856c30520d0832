-- Ctrl-C (SIGINT to the parent) while a process pool works: control comes back promptly, the workers
-- stop, nothing is left running. The parent runs as a separate parlab so the signal hits only it.
local T = require "check"

local write_script = T.write_script

local gone = T.pid_gone

for _, m in ipairs { "fork", "spawn", "forkserver" } do
  T.test(m .. ": SIGINT during map ends the parent promptly and leaves no worker", function()
    local script = write_script(string.format([[
      local internal = require "parlab.internal"
      local pool = parlab.Pool(2, { start_method = %q })
      local seen, pids = {}, {}
      for _, pid in ipairs(pool:map(function() parlab.sleep(0.05) return internal.getpid() end, { 1, 2, 3, 4 }, 1)) do
        if not seen[pid] then seen[pid] = true; pids[#pids + 1] = pid end
      end
      print("ready " .. internal.getpid() .. " " .. table.concat(pids, " ")); io.stdout:flush()
      pool:map(function(x) parlab.sleep(60) return x end, { 1, 2, 3, 4 }, 1)
      print("not interrupted")
    ]], m))
    -- Not started with '&': a background job of a non-interactive shell would ignore SIGINT.
    local pipe = io.popen(string.format("%q %q 2>&1", arg[-1], script))
    local line = pipe:read("*l") or ""
    local pids = {}
    for pid in line:gmatch("%d+") do pids[#pids + 1] = tonumber(pid) end
    T.ok(#pids >= 2, "the script started its pool: " .. line)
    parlab.sleep(0.3)  -- the tasks are running in the workers now
    local t0 = parlab.clock()
    os.execute("kill -INT " .. pids[1])
    local rest = pipe:read("*a")
    local waited = parlab.clock() - t0
    pipe:close()
    os.remove(script)
    -- The script ends with an error (the CLI reports it; its wording is the CLI's business), never
    -- by finishing the map.
    T.ok(not rest:find("not interrupted", 1, true), rest)
    T.ok(waited < 5, string.format("control came back after %.2f s", waited))
    io.write(string.format("      (%s: SIGINT to exit of the parent %.0f ms)\n", m, waited * 1e3))
    local deadline = parlab.clock() + 5
    local all
    repeat
      all = true
      for i = 2, #pids do all = all and gone(pids[i]) end
      if not all then parlab.sleep(0.02) end
    until all or parlab.clock() > deadline
    T.ok(all, "every worker ended")
  end)
end

T.test("SIGINT during Process:join ends the parent promptly; the child does not outlive it", function()
  local script = write_script([[
    local internal = require "parlab.internal"
    local p = parlab.Process { target = function() parlab.sleep(60) end }
    p:start()
    print("ready " .. internal.getpid() .. " " .. p.pid); io.stdout:flush()
    p:join()
    print("not interrupted")
  ]])
  local pipe = io.popen(string.format("%q %q 2>&1", arg[-1], script))
  local line = pipe:read("*l") or ""
  local parent, child = line:match("^ready (%d+) (%d+)")
  T.ok(parent, line)
  parlab.sleep(0.2)
  local t0 = parlab.clock()
  os.execute("kill -INT " .. parent)
  local rest = pipe:read("*a")
  local waited = parlab.clock() - t0
  pipe:close()
  os.remove(script)
  T.ok(not rest:find("not interrupted", 1, true), rest)
  T.ok(waited < 5, string.format("control came back after %.2f s", waited))
  local deadline = parlab.clock() + 5
  while not gone(tonumber(child)) and parlab.clock() < deadline do parlab.sleep(0.02) end
  T.ok(gone(tonumber(child)), "the child ended with its parent")
end)

T.done()
