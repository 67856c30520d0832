-- lock_hello: seed 004's "synchronization between processes using Lock": 10 processes print
-- 'hello world i' while holding one shared lock, so lines never interleave. Here each process writes its
-- line in small pieces (to make interleaving likely without the lock) to one shared file.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { processes = 10, lines = 20 },
  "usage: parlab scripts/lock_hello.lua [--processes N] [--lines N] [--quick] [--json FILE]\n")

local function f(l, i, path, lines)
  local out = io.open(path, "a")
  out:setvbuf("no")
  for _ = 1, lines do
    if l then l:acquire() end
    local ok, err = pcall(function()
      for word in ("hello world " .. i .. "\n"):gmatch(".") do out:write(word) end  -- one write per byte
    end)
    if l then l:release() end
    assert(ok, err)
  end
  out:close()
end

local function run(with_lock)
  local path = os.tmpname()
  local lock = with_lock and parlab.Lock() or nil
  local procs = {}
  for num = 0, opts.processes - 1 do
    procs[#procs + 1] = parlab.Process(f, lock, num, path, opts.lines)
    procs[#procs]:start()
  end
  for _, p in ipairs(procs) do p:join() end
  local good, bad, sample = 0, 0, nil
  for line in io.lines(path) do
    if line:match("^hello world %d+$") then good = good + 1 else bad = bad + 1 sample = sample or line end
  end
  os.remove(path)
  return good, bad, sample
end

lab.header("Processes printing under a shared Lock", "seed 004, Lock")
local g1, b1, s1 = run(false)
local g2, b2 = run(true)
print(("without the lock: %d clean lines, %d garbled%s"):format(g1, b1,
  s1 and (" (e.g. %q)"):format(s1) or ""))
print(("with the lock:    %d clean lines, %d garbled"):format(g2, b2))
lab.chart(opts, { title = ("%d processes printing %d lines each"):format(opts.processes, opts.lines),
  kind = "bars", x = { label = "how" }, y = { label = "lines", unit = "count" },
  categories = { "without the lock", "with the lock" },
  series = { { name = "clean lines", values = { g1, g2 } }, { name = "garbled lines", values = { b1, b2 } } } })
lab.claim("under a shared lock the lines never interleave", b2 == 0 and g2 == opts.processes * opts.lines,
  ("%d garbled lines with the lock, %d without"):format(b2, b1))
lab.finish(opts, "lock_hello", { without = { good = g1, bad = b1 }, with = { good = g2, bad = b2 } })
