-- The tasks a pool has out, and who waits for each answer: an owner (an AsyncResult or a MapResult) and the
-- argument its _deliver takes. Keyed by id - base, so that the keys run 1, 2, 3... and live in a Lua
-- table's array part: a million task ids as hash keys cost about 0.3 us a task to add and take (fresh hash
-- nodes, rehashes as the ids climb), array slots about 0.02 us, and they stay warm for the next map.
-- base moves when no task is out, and when a caller always keeps a few out (a window of apply_async)
-- the slots behind them would grow without end: once at least kShelveAt slots are used and most are empty,
-- the tasks still out move to a small hash (shelved, keyed by id) and the slots start again at 1. The ids
-- only grow (engine/exec/pool), so every shelved id is at or below base, and a stale id finds nothing.
local _, internal = ...
local setmetatable, pairs, sort = setmetatable, pairs, table.sort

local kShelveAt = 4096

local Pending = {}
Pending.__index = Pending

-- Moves the tasks still in the slots to the shelf; the next id gets slot 1.
local function shelve(self, next_id)
  local owners, args, base = self.owners, self.args, self.base
  for k = 1, self.top do
    local owner = owners[k]
    if owner then
      self.old_owners[base + k], self.old_args[base + k] = owner, args[k]
      owners[k], args[k] = nil, nil
      self.nold = self.nold + 1
    end
  end
  self.base, self.top = next_id - 1, 0
end

function Pending:add(id, owner, arg)
  if self.out == 0 then
    self.base, self.top = id - 1, 0
  elseif self.top >= kShelveAt and 2 * (self.out - self.nold) < self.top then
    shelve(self, id)
  end
  local k = id - self.base
  self.owners[k], self.args[k] = owner, arg
  self.out = self.out + 1
  if k > self.top then self.top = k end
end

-- The owner and argument of task id, taken out of the book; nil when it is not out.
function Pending:take(id)
  local k = id - self.base
  local owners, args, shelved = self.owners, self.args, k < 1
  if shelved then owners, args, k = self.old_owners, self.old_args, id end
  local owner = owners[k]
  if not owner then return nil end
  local arg = args[k]
  owners[k], args[k] = nil, nil
  self.out = self.out - 1
  if shelved then self.nold = self.nold - 1 end
  return owner, arg
end

function Pending:owner(id)
  local k = id - self.base
  if k < 1 then return self.old_owners[id] end
  return self.owners[k]
end

-- The ids out, in the order they were submitted (Python cancels its queue in that order).
function Pending:ids()
  local ids, owners, base = {}, self.owners, self.base
  for id in pairs(self.old_owners) do ids[#ids + 1] = id end
  sort(ids)
  for k = 1, self.top do
    if owners[k] then ids[#ids + 1] = base + k end
  end
  return ids
end

internal.pending = function()
  return setmetatable({ owners = {}, args = {}, old_owners = {}, old_args = {}, base = 0, top = 0, out = 0,
    nold = 0 }, Pending)
end
