-- parlab opens on first use (bindings/core/module.hpp, open_state_lazy): in the CLI's state, a Thread's and
-- a pool worker's, nothing of parlab is built until code reads the global parlab, requires it, or sends a
-- value that needs the transport's tables; what that code then sees is the whole table.
-- This file must not touch parlab before its first test (the check below reads package.loaded).
local opened_at_start = package.loaded.parlab ~= nil
local lazy_at_start = getmetatable(_G) ~= nil
local T = require "check"

T.test("the script starts with parlab not opened; the first read opens all of it", function()
  T.eq(opened_at_start, false, "package.loaded.parlab at the script's start")
  T.eq(lazy_at_start, true, "_G answers the first read of parlab")
  local p = parlab
  T.ok(package.loaded.parlab == p, "the global is require's table")
  T.ok(rawget(_G, "parlab") == p, "then a plain global")
  T.eq(getmetatable(_G), nil, "the lazy loader is gone")
  T.eq(type(p.Thread), "function")
  T.eq(type(p.Queue), "function")
  T.eq(type(require("parlab.internal").queue), "table")
end)

-- Keys of parlab, sorted and joined; reads the global parlab of the state it runs in.
local function keys()
  local ks = {}
  for k in pairs(parlab) do ks[#ks + 1] = tostring(k) end
  table.sort(ks)
  return table.concat(ks, " ")
end

-- Runs fn(...) in a new Thread and returns its results.
local function in_thread(fn, ...)
  local t = parlab.Thread(fn, ...)
  t:start()
  return t:join()
end

T.test("a Thread whose function does not touch parlab does not open it", function()
  local unopened, waiting = in_thread(function() return package.loaded.parlab == nil, getmetatable(_G) ~= nil end)
  T.eq(unopened, true, "parlab not opened in the thread")
  T.eq(waiting, true, "the lazy loader still waits")
end)

T.test("pairs(parlab) in a new Thread lists the same names as in the main state", function()
  T.eq(in_thread(keys), keys())
end)

T.test("require 'parlab.internal' first in a new Thread gives the filled table", function()
  T.eq(in_thread(function()
    local internal = require "parlab.internal"
    return type(internal.queue) .. " " .. type(internal.getpid)
  end), "table function")
end)

T.test("values that travel by name or by kind reach a thread that has not opened parlab", function()
  local q = parlab.Queue()
  T.eq(in_thread(function(f, queue) queue:put((f())) return "sent" end, parlab.cpus, q), "sent")
  T.eq(q:get(true, 10), (parlab.cpus()))
end)

T.test("standard values by name resolve in a thread without opening parlab", function()
  local funcinfo = require("jit.util").funcinfo
  local results = { in_thread(function(p, f, m, fi, g)
    return package.loaded.parlab == nil, p == print, f == string.format, m == math,
      fi == require("jit.util").funcinfo, g == _G
  end, print, string.format, math, funcinfo, _G) }
  T.eq(table.concat({ tostring(results[1]), tostring(results[2]), tostring(results[3]), tostring(results[4]),
    tostring(results[5]), tostring(results[6]) }, " "), "true true true true true true")
end)

T.test("a pool worker opens parlab for a task that uses it", function()
  local pool = parlab.ThreadPool(1)
  T.eq(pool:apply(function() return package.loaded.parlab == nil end), true)
  T.eq(pool:apply(keys), keys())
  pool:close()
  pool:join()
end)

T.test("a thread that replaces _G's metatable before using parlab still reaches it through require", function()
  T.eq(in_thread(function()
    setmetatable(_G, { __index = function(_, k) error("variable '" .. k .. "' is not declared", 2) end })
    local p = require "parlab"
    return type(p.Queue) .. " " .. tostring(rawget(_G, "parlab") == nil)
  end), "function true")
end)

T.done()
