-- `make bench`: every side-by-side benchmark (parlab next to Python on this machine), one after another,
-- each one's output also saved to bench/out/NAME.txt for docs/results.md.
--   parlab bench/run.lua [name ...]     (names: gil hogs ipc kernels lectures mpi pool threads transport)
local here = arg[0]:gsub("[^/]*$", "")
local exe = arg[-1] or "parlab"
local names = { "transport", "threads", "gil", "pool", "ipc", "hogs", "kernels", "lectures", "mpi" }
if #arg > 0 then names = arg end
os.execute(("mkdir -p %q"):format(here .. "out"))
local n, info = parlab.cpus()
print(("parlab %s, %d CPUs (%s), %s"):format(parlab.version, n, info.reason, os.date("!%Y-%m-%d %H:%M UTC")))
print(dofile(here .. "common.lua").machine_note())
local failed = 0
for _, name in ipairs(names) do
  local path = ("%s%s.lua"):format(here, name)
  local out = ("%sout/%s.txt"):format(here, name)
  print(("\n==== bench/%s.lua ===="):format(name))
  local f, p = assert(io.open(out, "w")), io.popen(("%q %q 2>&1"):format(exe, path))
  for line in p:lines() do
    print(line)
    f:write(line, "\n")
  end
  f:close()
  if not p:close() then failed = failed + 1 print("bench/" .. name .. ".lua failed") end
end
os.exit(failed == 0 and 0 or 1)
