-- The script examples/embed/main.cpp runs: functions the host calls with its numbers, strings and a
-- shared parlab array, and one that calls back into the host (scale, registered from C++).
-- luacheck: globals scale, ignore 131 (describe and normalize are set here for the host to call)
function describe(name, xs)
  local sum = 0
  for _, x in ipairs(xs) do sum = sum + x end
  return name .. ": " .. #xs .. " values", sum / #xs
end

-- a is a parlab array the host made: the loop writes the host's memory directly.
function normalize(a)
  local total = parlab.kernels.sum(a)
  for i = 0, a.len - 1 do a[i] = scale(a[i], total) end
  return total
end
