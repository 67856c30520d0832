-- parlab's own environment variables, set by mistake (copied from a child's environment, or typed), are
-- refused with a message that names the variable and what to do, exit status 2: never a crash
-- ("terminate called"), never a silent exit without running the script (issue 20).
local T = require "check"

local function run(assignment)
  local p = io.popen(("env %q %q -e 'print(\"ran\")' 2>&1; echo \"status $?\""):format(assignment, arg[-1]))
  local out = p:read("*a")
  p:close()
  return out
end

local cases = {
  { "PARLAB_ARENA=x", "it names no shared-memory arena this process inherited" },
  { "PARLAB_ARENA=0:4096", "it names no shared-memory arena this process inherited" },
  { "PARLAB_FORKSERVER=garbage", "it is not fd:pid:flag" },
  { "PARLAB_FORKSERVER=1:1:1", "descriptor 1 is not a socket from a parent parlab" },
  { "PARLAB_JOB=garbage", "it is not offset:length:pid:flag" },
  { "PARLAB_JOB=64:8:1:0", "process 1 is not this process's parent" },
}

for _, c in ipairs(cases) do
  T.test(c[1] .. " is refused by name", function()
    local out = run(c[1])
    local name = c[1]:match("^[%u_]+")
    T.ok(out:find("parlab: " .. c[1] .. ": " .. c[2], 1, true), out)
    T.ok(out:find(name .. " is set by parlab for the processes it starts; unset it", 1, true), out)
    T.ok(out:find("status 2", 1, true), out)
    T.ok(not out:find("ran", 1, true), "the script did not run against the wrong memory")
    T.ok(not out:find("terminate called", 1, true), out)
  end)
end

T.test("the variables parlab sets itself still work: spawn and forkserver children run", function()
  for _, method in ipairs { "spawn", "forkserver" } do
    local q = parlab.Queue()
    local p = parlab.Process { start_method = method, target = function(out) out:put("child") end, args = { q } }
    p:start()
    T.eq(q:get(30), "child", method)
    p:join(30)
    T.eq(p.exitcode, 0)
  end
end)

T.done()
