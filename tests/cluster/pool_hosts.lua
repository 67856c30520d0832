-- tests/cluster/pool_hosts.lua: a parlab.mpi.Pool whose worker ranks sit on both nodes. Each task answers
-- with the host name its kernel gives it; rank 0 prints the hosts that answered and a checked sum, so the
-- harness can see that functions and values travelled to both nodes and back over TCP.
local pool = parlab.mpi.Pool()
local function where(x)
  local f = assert(io.open("/proc/sys/kernel/hostname"))
  local host = f:read("*l")
  f:close()
  parlab.sleep(0.05)  -- long enough that every worker rank gets tasks
  return { host = host, sq = x * x }
end
local answers = pool:map(where, { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, 1)
local hosts, sum = {}, 0
for i = 1, answers.n do
  hosts[answers[i].host] = true
  sum = sum + answers[i].sq
end
local names = {}
for h in pairs(hosts) do names[#names + 1] = h end
table.sort(names)
print("pool hosts: " .. table.concat(names, " "))
print(("pool sum: %d (expected 650)"):format(sum))
pool:close()
pool:join()
