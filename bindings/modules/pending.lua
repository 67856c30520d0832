-- The tasks a pool has out, and who waits for each answer: an owner (an AsyncResult or a MapResult) and the
-- argument its _deliver takes. Keyed by id - base, so that the keys run 1, 2, 3... and live in a Lua
-- table's array part: a million task ids as hash keys cost about 0.3 us a task to add and take (fresh hash
-- nodes, rehashes as the ids climb), array slots about 0.02 us, and they stay warm for the next map.
-- base moves only when no task is out, so a key never names two tasks; the ids only grow (engine/exec/pool),
-- so a stale id (a task taken already) falls at or below base and finds nothing.
local _, internal = ...
local setmetatable = setmetatable

local Pending = {}
Pending.__index = Pending

function Pending:add(id, owner, arg)
  if self.out == 0 then self.base, self.top = id - 1, 0 end
  local k = id - self.base
  self.owners[k], self.args[k] = owner, arg
  self.out = self.out + 1
  if k > self.top then self.top = k end
end

-- The owner and argument of task id, taken out of the book; nil when it is not out.
function Pending:take(id)
  local k = id - self.base
  local owner = k >= 1 and self.owners[k]
  if not owner then return nil end
  local arg = self.args[k]
  self.owners[k], self.args[k] = nil, nil
  self.out = self.out - 1
  return owner, arg
end

function Pending:owner(id)
  local k = id - self.base
  return k >= 1 and self.owners[k] or nil
end

-- The ids out, in the order they were submitted (Python cancels its queue in that order).
function Pending:ids()
  local ids, owners, base = {}, self.owners, self.base
  for k = 1, self.top do
    if owners[k] then ids[#ids + 1] = base + k end
  end
  return ids
end

internal.pending = function() return setmetatable({ owners = {}, args = {}, base = 0, top = 0, out = 0 }, Pending) end
