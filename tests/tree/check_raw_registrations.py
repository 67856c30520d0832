#!/usr/bin/env python3
"""Checks that every Lua C function and metamethod goes through the registration helper.

bindings/core/module.hpp's push_function and set_functions wrap each C function in call_guarded,
which turns a C++ exception into a Lua error. A function pushed raw (lua_pushcfunction,
lua_pushcclosure, lua_register, luaL_register, luaL_setfuncs) skips that wrapper: an exception
thrown through LuaJIT's frames is undefined behaviour. This check fails on any such call in
bindings/ or cli/ outside bindings/core/ (where the helper itself lives), unless the same line says
why it has to be raw, e.g.
    lua_pushcfunction(L, traceback);  // raw: message handler, must not throw or be wrapped
Only code counts: text after // (other than the marker) and the marker's reason are not checked.
"""
import re

from tree import read_lines, report, tracked

RAW_CALLS = re.compile(
    r"\b(lua_pushcfunction|lua_pushcclosure|lua_register|luaL_register|luaL_setfuncs)\s*\(")
MARKER = re.compile(r"//\s*raw:\s*\S")


def main():
    problems = []
    files = tracked("bindings", "cli", suffixes=(".cpp", ".hpp", ".c", ".h"))
    for path in files:
        if path.startswith("bindings/core/"):
            continue
        for n, line in enumerate(read_lines(path), 1):
            code = line.split("//", 1)[0]
            m = RAW_CALLS.search(code)
            if m and not MARKER.search(line):
                problems.append(f"{path}:{n}: {m.group(1)} without the helper: {line.strip()}")
    report("raw registrations", problems,
           "Use parlab::lua::push_function / set_functions (bindings/core/module.hpp), "
           "or end the line with '// raw: <reason>'.")


if __name__ == "__main__":
    main()
