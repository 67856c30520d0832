-- parlab.Pipe (bindings/modules/lua_pipe.cpp): connections travel to threads and processes as handles; the
-- receiver holds the end open until it closes it (or its process ends).
local parlab, internal = ...
local registry = debug.getregistry()

-- Patterns for matching connection errors, as Python's exception names.
parlab.EOFError, parlab.BrokenPipeError = "EOFError", "BrokenPipeError"

local mt = registry["parlab.Connection"]
parlab.transport.register_kind("parlab.Connection", {
  test = function(v) return getmetatable(v) == mt end,
  encode = internal.connection_handle,
  decode = internal.connection_attach,
})
internal.connection_handle, internal.connection_attach, internal.is_connection = nil, nil, nil
