local T = require "check"

T.test("parlab is a global and a module", function()
  T.ok(type(parlab) == "table")
  T.ok(require("parlab") == parlab)
  T.ok(type(parlab.version) == "string")
end)

T.test("clock is monotonic with sub-microsecond steps", function()
  local a = parlab.clock()
  local b = parlab.clock()
  T.ok(b >= a)
end)

T.test("sleep waits and refuses negative lengths", function()
  local t0 = parlab.clock()
  parlab.sleep(0.02)
  T.ok(parlab.clock() - t0 >= 0.02)
  T.raises("non-negative", parlab.sleep, -1)
  T.raises("number expected", parlab.sleep, "x")
end)

T.test("time returns real/user/sys/cpu and the function's results", function()
  local t, a, b = parlab.time(function(x) local s = 0 for i = 1, 1e6 do s = s + i end return x, s end, 7)
  T.eq(a, 7)
  T.eq(b, 500000500000)
  T.ok(t.real >= 0 and t.user >= 0 and t.sys >= 0 and t.cpu >= 0)
  T.raises("expected a function", parlab.time, 42)
end)

T.test("cpus gives a count and the reason", function()
  local n, info = parlab.cpus()
  T.ok(n >= 1 and n <= info.online)
  T.ok(#info.reason > 0)
end)

T.done()
