-- parlab.time: the shell's `time` for a Lua call.
local parlab = ...
local clock, cputimes = parlab.clock, parlab._cputimes

local function pack(...)
  return { n = select("#", ...), ... }
end

-- Returns {real, user, sys, cpu} for the whole process (all threads), then fn's results.
function parlab.time(fn, ...)
  if type(fn) ~= "function" and not (getmetatable(fn) or {}).__call then
    error("parlab.time: expected a function to time, got " .. type(fn), 2)
  end
  local u0, s0 = cputimes()
  local t0 = clock()
  local results = pack(fn(...))
  local real = clock() - t0
  local u1, s1 = cputimes()
  local t = { real = real, user = u1 - u0, sys = s1 - s0 }
  t.cpu = real > 0 and 100 * (t.user + t.sys) / real or 0
  return t, unpack(results, 1, results.n)
end
