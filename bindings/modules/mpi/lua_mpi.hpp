#pragma once
// Shared by bindings/modules/mpi/*.cpp: the Request userdata and the status table.
#include <lua.hpp>

#include <memory>

#include "engine/mpi/mpi.hpp"

namespace parlab::lua {

enum class RequestKind { send, recv_object, recv_buffer };

// Pushes a Request userdata (methods wait, test, and fields via status). When keep_idx != 0 the value at
// that index (the array a buffer request uses) is held by the request until it is collected.
void push_request(lua_State* L, std::unique_ptr<mpi::Request> request, RequestKind kind, int keep_idx = 0);
// Fills t.source, t.tag, t.count (bytes) in the table at idx, like mpi4py's Status.
void set_status(lua_State* L, int idx, const mpi::Status& status);

// Add their functions to the table at index -1: the requests' to parlab.mpi, the buffer calls (Send, Recv,
// ..., which bindings/modules/mpi.lua wraps as mpi.Send, ...) to internal.mpi.
void open_mpi_requests(lua_State* L);
void open_mpi_buffers(lua_State* L);
void open_mpi_spawn(lua_State* L);

}  // namespace parlab::lua
