-- parlab.Queue, JoinableQueue, SimpleQueue (bindings/modules/lua_queue.cpp): queues travel to threads and
-- processes as handles to the same shared queue.
local parlab, internal = ...
local registry = debug.getregistry()

-- Patterns for matching queue errors: if tostring(err):find(parlab.Empty, 1, true) then ... end
parlab.Empty, parlab.Full, parlab.Closed = "Empty", "Full", "Closed"

local handle, attach, is_queue = internal.queue_handle, internal.queue_attach, internal.is_queue
for _, name in ipairs { "Queue", "JoinableQueue", "SimpleQueue" } do
  local mt = registry["parlab." .. name]
  parlab.transport.register_kind("parlab." .. name, {
    test = function(v) return getmetatable(v) == mt end,
    encode = handle,
    decode = attach,
  })
end
internal.queue = { handle = handle, attach = attach, is_queue = is_queue, arena_used = internal.queue_arena_used }
internal.queue_handle, internal.queue_attach, internal.is_queue, internal.queue_arena_used = nil, nil, nil, nil
