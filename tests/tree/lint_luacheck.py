#!/usr/bin/env python3
"""Checks every tracked Lua file with luacheck, configured by .luacheckrc at the root.

luacheck finds what Lua itself never reports: a misspelt name that silently reads a global nil, a
variable set and never used, a local that hides another in the same function. .luacheckrc says which
globals exist (parlab, arg) and what is house style rather than a problem. This check fails on any
warning and ends with a count per kind. Skipped (exit 77) when luacheck is not installed (Debian
package lua-check, which tools/install-deps.sh installs).
"""
import collections
import re
import shutil
import subprocess
import sys

from tree import ROOT, tracked


def main():
    tool = shutil.which("luacheck")
    if not tool:
        print("luacheck is not installed (sh tools/install-deps.sh installs lua-check): skipped")
        sys.exit(77)
    files = tracked(suffixes=(".lua",))
    run = subprocess.run([tool, "--config", ".luacheckrc", "--formatter", "plain", "--codes", "--no-cache",
                          *files], cwd=ROOT, capture_output=True, text=True)
    out = (run.stdout + run.stderr).rstrip()
    if out:
        print(out)
    kinds = collections.Counter(re.findall(r"\(([WE]\d+)\) ([^'(0-9]*)", out))
    for (code, what), n in sorted(kinds.items()):
        print(f"{n:5d} {code} {what.strip()}")
    if run.returncode:
        print(f"luacheck: {sum(kinds.values())} warning(s) in {len(files)} files")
    else:
        print("luacheck: ok")
    sys.exit(0 if run.returncode == 0 else 1)


if __name__ == "__main__":
    main()
