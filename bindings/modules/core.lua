-- parlab.time: the shell's `time` for a Lua call.
local parlab, internal = ...
local clock, cputimes = parlab.clock, internal.cputimes

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

-- Methods called with '.' instead of ':' (pool.close(5)) get a wrong self: each public method of a class
-- refuses one that is not an instance of it (the class, or a class whose __index chain reaches it), by
-- name and at the caller's line. The guard is a tail call, so the method's own error levels stay right.
local function is_a(v, class)
  local mt = getmetatable(v)
  for _ = 1, 8 do
    if mt == class then return true end
    if type(mt) ~= "table" then return false end
    local up = getmetatable(mt)
    mt = up and up.__index
  end
  return false
end

function internal.guard_methods(class, kind)
  local article = kind:match("^[AEIOU]") and "an" or "a"
  for name, fn in pairs(class) do
    if type(fn) == "function" and name:sub(1, 1) ~= "_" then
      class[name] = function(self, ...)
        if not is_a(self, class) then
          error(string.format("%s.%s: expected %s %s as self, got %s (call it with ':')", kind, name, article,
            kind, type(self)), 2)
        end
        return fn(self, ...)
      end
    end
  end
end
