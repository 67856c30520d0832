-- Internals are not reachable from parlab (issue 14): no key of parlab, or of a table parlab holds, starts
-- with "_", in the main state, a thread's, a process child's (each start method) and a pool worker's. They
-- live in require "parlab.internal" (bindings/core/module.hpp), and a function that holds one still travels
-- to threads, processes and pool workers, where it resolves to the receiver's own internal table.
local T = require "check"
local internal = require "parlab.internal"

-- The "_" keys under parlab, as paths joined by spaces ("" when none). Reads the receiver's global parlab.
local function underscored()
  local found = {}
  for k, v in pairs(parlab) do
    if type(k) == "string" and k:sub(1, 1) == "_" then found[#found + 1] = "parlab." .. k end
    if type(v) == "table" then
      for k2 in pairs(v) do
        if type(k2) == "string" and k2:sub(1, 1) == "_" then found[#found + 1] = "parlab." .. k .. "." .. k2 end
      end
    end
  end
  table.sort(found)
  return table.concat(found, " ")
end

T.test("no '_' name in parlab or its tables; no field leads to the internal table", function()
  for k in pairs(parlab) do assert(k:sub(1, 1) ~= "_", "parlab." .. tostring(k)) end
  T.eq(underscored(), "")
  for k, v in pairs(parlab) do T.ok(v ~= internal, "parlab." .. k .. " is the internal table") end
  T.eq(parlab.internal, nil)
end)

T.test("the internal table is one per state, the one require gives", function()
  T.eq(type(internal), "table")
  T.ok(require "parlab.internal" == internal)
  T.eq(type(internal.getpid), "function")
  T.eq(type(internal.sync), "table")
end)

T.test("a thread's state has no '_' name either", function()
  local q = parlab.Queue()
  local t = parlab.Thread(function() q:put(underscored()) end)
  t:start()
  t:join()
  T.eq(q:get(true, 5), "")
end)

T.test("a process child's state has none, under each start method", function()
  for _, method in ipairs { "fork", "spawn", "forkserver" } do
    local q = parlab.Queue()
    local p = parlab.Process { target = function() q:put(underscored()) end, start_method = method }
    p:start()
    T.eq(q:get(true, 30), "", method)
    p:join()
    T.eq(p.exitcode, 0, method)
  end
end)

T.test("pool workers' states have none", function()
  for _, make in ipairs { parlab.ThreadPool, parlab.Pool } do
    local pool = make(1)
    T.eq(pool:apply(underscored), "")
    pool:close()
    pool:join()
  end
end)

T.test("a function that holds an internal travels and uses the receiver's", function()
  local getpid = internal.getpid
  local function pid() return internal.getpid(), getpid() end
  local pool = parlab.Pool(1)
  local a, b = pool:apply(pid)
  pool:close()
  pool:join()
  T.ok(a ~= getpid(), "the worker's pid is its own")
  T.eq(a, b)
  local q = parlab.Queue()
  local t = parlab.Thread(function() q:put(internal.getpid()) end)
  t:start()
  t:join()
  T.eq(q:get(true, 5), getpid())
end)

T.done()
