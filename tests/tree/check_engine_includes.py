#!/usr/bin/env python3
"""Checks that engine/ stays plain C++ and keeps its layering.

The engine is the part of parlab that knows nothing of Lua: bindings/ and cli/ build on it, never
the other way round, so it can be tested, fuzzed and reused on its own. This check fails when
  - an engine/ file includes a Lua header (lua.h, lua.hpp, lauxlib.h, lualib.h, luajit.h, ...),
    anything from bindings/ or cli/, or any other quoted header outside engine/ (system and library
    headers such as <boost/...>, <omp.h>, <cblas.h>, <mpi.h> are fine);
  - an engine/ folder includes a folder that the table below does not allow.
A new engine/ folder must be added to the table first. Usage: check_engine_includes.py
"""
import os
import re

from tree import ROOT, read_lines, report, tracked

# engine/<folder> -> the other engine/ folders it may include (its own is always allowed).
# docs/architecture.md describes the same layers.
LAYERS = {
    "core": set(),
    "arena": {"core"},
    "sync": {"core", "arena"},
    "queues": {"core", "arena"},
    "exec": {"core", "arena", "transport"},  # the task wire (wire.hpp) is written with the transport
    "kernels": {"core", "arena"},
    "transport": {"core"},
    "gpu": {"core"},
    "mpi": {"core", "kernels", "transport"},
}

LUA_HEADERS = {"lua.h", "lua.hpp", "lauxlib.h", "lualib.h", "luaconf.h", "luajit.h", "lj_arch.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def target_of(path, quote, name):
    """(engine folder, problem) of one include: the folder it reaches in engine/, or why it is not allowed."""
    base = name.split("/")[-1]
    if base in LUA_HEADERS or name.startswith(("lua", "luajit")):
        return None, f"includes a Lua header ({name}): the engine knows nothing of Lua"
    if name.startswith(("bindings/", "cli/")):
        return None, f"includes {name}: the engine must not use the front end"
    if quote == "<":
        return None, None  # a system or library header
    if name.startswith("engine/"):
        resolved = name
    else:  # a quoted relative include: where does it land?
        here = os.path.dirname(path)
        candidates = [os.path.normpath(os.path.join(here, name)), os.path.normpath(name)]
        found = [c for c in candidates if os.path.isfile(os.path.join(ROOT, c))]
        if not found:
            return None, (f'includes "{name}", which is not in the repository: '
                          f'write engine/<folder>/<file> or <{name}>')
        resolved = found[0]
    parts = resolved.split("/")
    if parts[0] != "engine":
        return None, f'includes "{name}" ({resolved}), outside engine/'
    return (parts[1] if len(parts) > 2 else ""), None


def main():
    problems = []
    for path in tracked("engine", suffixes=(".cpp", ".hpp", ".c", ".h", ".cu", ".cuh", ".inl")):
        parts = path.split("/")
        folder = parts[1] if len(parts) > 2 else ""
        if folder not in LAYERS:
            problems.append(f"{path}:1: engine/{folder} is not in the layering table (LAYERS): add it there")
            continue
        for n, line in enumerate(read_lines(path), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target, problem = target_of(path, m.group(1), m.group(2))
            if problem is None and target is not None and target != folder and target not in LAYERS[folder]:
                allowed = ", ".join(sorted(LAYERS[folder])) or "nothing"
                problem = (f"engine/{folder} includes engine/{target} ({m.group(2)}); "
                           f"it may use only {allowed}")
            if problem:
                problems.append(f"{path}:{n}: {problem}")
    report("engine includes", problems,
           "The layering is in LAYERS at the top of tests/tree/check_engine_includes.py.")


if __name__ == "__main__":
    main()
