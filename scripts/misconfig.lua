-- misconfig: "requesting 40 CPUs but using 1 thread" (seed 001). parlab reads what the run was given
-- (affinity mask, cgroup CPU quota, SLURM_CPUS_PER_TASK) and warns when the workers asked for do not fit.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { workers = 0 },
  "usage: parlab scripts/misconfig.lua [--workers N] [--quick] [--json FILE]\n" ..
  "  Try: SLURM_CPUS_PER_TASK=1 parlab scripts/misconfig.lua --workers 8\n")

lab.header("What this run may use", "seed 001, Common Misconfiguration")
local n, info = parlab.cpus()
lab.tables.print({ { "limit", "what" }, { "value", "value" } }, {
  { what = "online CPUs", value = info.online },
  { what = "affinity mask", value = info.affinity },
  { what = "cgroup CPU quota", value = info.cgroup_quota > 0 and info.cgroup_quota or "none" },
  { what = "SLURM_CPUS_PER_TASK", value = info.slurm > 0 and info.slurm or "unset" },
  { what = "=> CPUs for this run", value = n },
})
print("decided by: " .. info.reason)
lab.chart(opts, { title = "CPUs each limit allows this run", kind = "bars", x = { label = "limit" },
  y = { label = "CPUs", unit = "count" },
  categories = { "online CPUs", "affinity mask", "cgroup CPU quota", "SLURM_CPUS_PER_TASK", "CPUs for this run" },
  series = { { name = "this run", values = { info.online, info.affinity,
    info.cgroup_quota > 0 and info.cgroup_quota or false, info.slurm > 0 and info.slurm or false, n } } } })

local cases = opts.workers > 0 and { opts.workers } or { 1, n, 4 * n }
local warned = {}
for _, w in ipairs(cases) do
  local msg = lab.check_workers(w)
  print(("workers = %-3d  %s"):format(w, msg or "ok: fits the CPUs this run was given"))
  warned[w] = msg ~= nil
end
if opts.workers == 0 then
  lab.claim("using far fewer or more workers than the CPUs given is a misconfiguration parlab reports",
    (n == 1 or warned[1] ~= nil) and warned[4 * n], ("warned for %d worker(s) on %d CPUs: %s; for %d: %s"):format(
      1, n, tostring(warned[1]), 4 * n, tostring(warned[4 * n])))
end
lab.finish(opts, "misconfig", { cpus = n, reason = info.reason, warned = warned })
