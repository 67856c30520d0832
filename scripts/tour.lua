-- The lecture tour (for now: the foundation's timing helpers; each issue adds its experiments).
print(("parlab %s on %d CPUs (%s)"):format(parlab.version, parlab.cpus()))
local _, info = parlab.cpus()
print("CPU budget: " .. info.reason)
local t, s = parlab.time(function()
  local s = 0
  for i = 1, 1e8 do s = s + i end
  return s
end)
print(("sum 1..1e8 = %.0f   real %.3f s  user %.3f s  sys %.3f s  CPU %.0f%%"):format(s, t.real, t.user, t.sys, t.cpu))
