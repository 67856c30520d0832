-- A handle whose object was freed before it was received is refused, never bound to another object that
-- now lives at the same place (issue 20: a Value read 99 from somebody else's Value, a Lock came back held
-- by another holder). Each handle carries its object's serial (engine/arena/shared_object.hpp).
local T = require "check"

local makers = {
  Value = function() return parlab.Value("i", 5) end,
  Array = function() return parlab.Array("i", { 1, 2 }) end,
  ShareableList = function() return parlab.ShareableList { 1, "a" } end,
  Lock = function() return parlab.Lock() end,
  RLock = function() return parlab.RLock() end,
  Semaphore = function() return parlab.Semaphore(2) end,
  BoundedSemaphore = function() return parlab.BoundedSemaphore(2) end,
  Event = function() return parlab.Event() end,
  Condition = function() return parlab.Condition() end,
  Barrier = function() return parlab.Barrier(2) end,
}

for _, name in ipairs { "Value", "Array", "ShareableList", "Lock", "RLock", "Semaphore", "BoundedSemaphore",
  "Event", "Condition", "Barrier" } do
  T.test(name .. ": a handle that outlived its object is refused, not bound to a new one", function()
    local q = parlab.Queue()
    do q:put(makers[name]()) end
    collectgarbage()
    collectgarbage()
    local others = {}
    for i = 1, 20 do others[i] = makers[name]() end  -- likely to reuse the freed object's memory
    local ok, err = pcall(q.get, q)
    T.eq(#others, 20)
    T.ok(not ok, "refused")
    T.ok(tostring(err):find("shared object handle: ", 1, true) and
      (tostring(err):find("freed before the handle was received", 1, true)), tostring(err))
    T.ok(tostring(err):find("decoding a 'parlab." .. name .. "'", 1, true), tostring(err))
  end)

  T.test(name .. ": a handle whose object is alive still arrives, in this process and in a child", function()
    local obj, q = makers[name](), parlab.Queue()
    q:put(obj)
    T.ok(q:get() == obj, "the same shared object")
    local p = parlab.Process(function(o, out) out:put(tostring(o)) end, obj, q)
    p:start()
    T.eq(q:get(30), tostring(obj))
    p:join(30)
  end)
end

-- Messages that carry handles are signed, so an edited one is refused before its kind's decoder sees it.
T.test("a forged or malformed handle is refused", function()
  local S = parlab.transport
  for _, payload in ipairs { "12", "x:1", "12:", ":5", "12:5x" } do
    local ok, err = pcall(S.decode, S.encode(parlab.Value("i", 1)):gsub("%d+:%d+", payload, 1))
    T.ok(not ok, payload)
    T.ok(tostring(err):find("key check failed", 1, true), payload .. ": " .. tostring(err))
  end
end)

T.done()
