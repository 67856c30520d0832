-- Shared memory that runs out gives an error the program can handle, never the OOM killer: arrays and
-- messages past PARLAB_SHM_LIMIT (a cap for the run) or past the memory the machine has available are
-- refused before a page is touched, and the program goes on once it lets go of memory.
local T = require "check"

T.test("PARLAB_SHM_LIMIT: arrays until the cap is reached, then an error; freed memory is usable again", function()
  local out = T.run_program("PARLAB_SHM_LIMIT=256M", [[
    local arrs, ok, err = {}, true, nil
    for _ = 1, 100 do
      ok, err = pcall(parlab.array, "f64", 2^23)  -- 64 MiB each
      if not ok then break end
      arrs[#arrs + 1] = err
    end
    print("made " .. #arrs, err)
    print("limit " .. parlab.memory().limit)
    arrs = nil
    collectgarbage() collectgarbage()
    print("again " .. tostring(pcall(parlab.array, "f64", 2^23)))
    local q = parlab.Queue()
    print("message " .. select(2, pcall(q.put, q, ("x"):rep(300 * 2^20))))
    q:put("small")
    print("queue " .. q:get())
  ]])
  T.ok(out:find("made 3\t", 1, true), out)
  T.ok(out:find("64.0 MiB asked with 192.0 MiB in use would pass PARLAB_SHM_LIMIT (256.0 MiB)", 1, true), out)
  T.ok(out:find("limit " .. 256 * 2 ^ 20, 1, true), out)
  T.ok(out:find("again true", 1, true), out)
  T.ok(out:find("300.0 MiB asked", 1, true), out)
  T.ok(out:find("queue small", 1, true), out)
  T.ok(out:find("status 0", 1, true), out)
end)

T.test("PARLAB_SHM_LIMIT that is not a size is named in the error", function()
  for _, bad in ipairs { "abc", "-5", "12Q", "0" } do
    local out = T.run_program("PARLAB_SHM_LIMIT=" .. bad, "print(pcall(parlab.array, 'f64', 10))")
    T.ok(out:find("PARLAB_SHM_LIMIT: '" .. bad .. "' is not a size", 1, true), bad .. ": " .. out)
  end
  T.ok(T.run_program("PARLAB_SHM_LIMIT=1g", "print(parlab.memory().limit)"):find(tostring(2 ^ 30), 1, true))
end)

T.test("an array that fits in RAM but not in the memory available now is refused before it is touched", function()
  local m = parlab.memory()
  T.ok(m.available > 0 and m.ram >= m.available * 0.5, "parlab.memory() reads the machine")
  -- Past what is available by half the safety margin (so memory freed meanwhile by other tests cannot
  -- make it fit), but within the RAM where the machine allows, so that this check and not the array's
  -- size check refuses it.
  local margin = math.min(512 * 2 ^ 20, m.available / 8)
  local bytes = math.min(m.available + margin / 2, m.ram)
  local t0 = parlab.clock()
  local ok, err = pcall(parlab.array, "f64", math.floor(bytes / 8))
  T.ok(not ok, "refused")
  -- At the RAM itself either check may answer first (the size check refuses only what is larger).
  local budget = tostring(err):find("of memory is available", 1, true)
  local size = tostring(err):find("do not fit in this machine's memory", 1, true)
  T.ok(budget or (bytes >= m.ram and size), tostring(err))
  T.ok(parlab.clock() - t0 < 5, "refused at once, nothing was zero-filled")
  T.ok(parlab.array("f64", 1000), "the program goes on")
end)

T.done()
