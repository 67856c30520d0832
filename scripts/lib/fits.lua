-- Amdahl's law and the Karp-Flatt metric, for the speed-up experiments.
local fits = {}

-- Speed-up on p workers of a program whose serial fraction is B.
function fits.amdahl(B, p)
  return 1 / (B + (1 - B) / p)
end

-- The serial fraction implied by a measured speed-up S on p workers (Karp and Flatt, 1990).
function fits.karp_flatt(S, p)
  if p <= 1 then return nil end
  return (1 / S - 1 / p) / (1 - 1 / p)
end

-- Least-squares B over measured {p, S} points: minimises sum (1/S - (B + (1-B)/p))^2, linear in B.
function fits.fit_serial_fraction(points)
  local num, den = 0, 0
  for _, pt in ipairs(points) do
    local p, S = pt[1], pt[2]
    local x = 1 - 1 / p        -- 1/S = 1/p + B * (1 - 1/p)
    num = num + x * (1 / S - 1 / p)
    den = den + x * x
  end
  if den == 0 then return nil end
  return math.max(0, math.min(1, num / den))
end

return fits
