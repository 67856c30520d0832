-- check.lua for MPI tests: a failing test aborts the whole job at once (printing which rank failed), since
-- the other ranks would otherwise wait forever in the next collective. Output lines carry the rank.
local T = require "check"
local mpi = parlab.mpi

local M = setmetatable({}, { __index = T })
M.mpi = mpi

-- Each test ends with a barrier, so one test's messages never reach another's ANY_SOURCE/ANY_TAG receive.
function M.test(name, fn)
  local ok, err = xpcall(function() fn() mpi.barrier() end, debug.traceback)
  if ok then
    T.passed = T.passed + 1
    if mpi.rank == 0 then io.write("ok    ", name, "\n") end
  else
    T.failed = T.failed + 1
    io.stderr:write(string.format("FAIL  [rank %d of %d] %s\n%s\n", mpi.rank, mpi.size, name, tostring(err)))
    io.stderr:flush()
    mpi.Abort(1)
  end
  io.flush()
end

-- Calls fn, a one-line closure around the call under test, and checks that the error matches pattern (plain)
-- and starts with the closure's own file:line: the script's line, not a line inside parlab's wrappers.
function M.raises_here(pattern, fn)
  local info = debug.getinfo(fn, "S")
  if info.linedefined ~= info.lastlinedefined then T.fail("raises_here: write the closure on one line", 2) end
  local err = tostring(T.raises(pattern, fn))
  local where = info.short_src .. ":" .. info.linedefined .. ":"
  if err:sub(1, #where) ~= where then T.fail("expected the error at " .. where .. ", got: " .. err, 2) end
  return err
end

function M.done()
  mpi.barrier()
  if mpi.rank == 0 then
    io.write(string.format("%d passed, %d failed (%d ranks)\n", T.passed, T.failed, mpi.size))
  end
  os.exit(T.failed == 0 and T.passed > 0 and 0 or 1)
end

return M
