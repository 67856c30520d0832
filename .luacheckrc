-- luacheck configuration for every tracked .lua file (bindings/modules, cli/lua, scripts, bench,
-- tests); the ctest test "lint: luacheck" (tests/tree/lint_luacheck.py) runs it. It aims at real
-- problems (undefined or accidental globals, unused variables and values, a local that hides another
-- in the same function) and leaves the house style alone.
std = "luajit"
-- parlab is the global the executable sets up (and extends: parlab.with, parlab.mpi, ...); arg is
-- the script's arguments, as in lua(1).
globals = { "parlab" }
read_globals = { "arg" }

-- A global defined at a file's top level is deliberate: the transport sends the globals a function
-- reads (docs/transport.md), and scripts define functions as globals to show it, as the lectures'
-- Python does. One set inside a function is still reported (a missing `local`), unless the file
-- declares it (-- luacheck: globals NAME) where it is meant.
allow_defined_top = true

-- Passing values into a Thread, Process or pool function under the names they have outside,
--   local v, lock = ...; parlab.Thread(function(v, lock) ... end, v, lock)
-- is the house idiom (the function gets copies, not upvalues), so shadowing an upvalue (43x) is not
-- reported; shadowing a local of the same function (42x) still is.
ignore = { "43." }

-- luacheck's own default, 10 more than the C++'s 110 (.clang-format): a one-line argument check
-- (`if bad then error(...) end`) reads better whole than folded over three lines.
max_line_length = 120

-- The probe that finds LuaJIT's GGET opcode reads an undefined global on purpose.
files["bindings/modules/transport.lua"] = { read_globals = { "parlab_transport_probe" } }
