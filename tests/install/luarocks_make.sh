#!/bin/sh
# `luarocks make` of parlab-*.rockspec into a fresh tree, from a copy of the tracked files (LuaRocks
# builds in the source folder), then `require "parlab"` from stock luajit with the tree's cpath, a
# spawned pool worker included (it runs TREE/bin/parlab). Exit 77 (skipped) without luarocks.
#   tests/install/luarocks_make.sh SOURCE_DIR WORK_DIR
set -eu
src=$1
work=$2
command -v luarocks >/dev/null 2>&1 || { echo "skipped: luarocks is not installed (tools/install-deps.sh installs it)"; exit 77; }
command -v luajit >/dev/null 2>&1 || { echo "skipped: luajit is not installed"; exit 77; }
rm -rf "$work"
mkdir -p "$work/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  (cd "$src" && git ls-files -z | xargs -0 cp --parents -t "$work/src")
else  # a checkout without .git: everything but the top-level build folders
  (cd "$src" && tar --exclude='./build*' -cf - .) | tar -xf - -C "$work/src"
fi
cd "$work/src"
luarocks --lua-version 5.1 make --tree "$work/tree" parlab-*.rockspec >"$work/luarocks.log" 2>&1 ||
  { tail -n 40 "$work/luarocks.log" >&2; exit 1; }
[ -x "$work/tree/bin/parlab" ] || { echo "the tree has no bin/parlab" >&2; exit 1; }
cd "$work"
LUA_CPATH="$work/tree/lib/lua/5.1/?.so;;" luajit -e '
  local parlab = require "parlab"
  local pool = parlab.Pool(1, { start_method = "spawn" })
  assert(pool:map(function(x) return x * 2 end, { 21 })[1] == 42)
  pool:close(); pool:join()
  print("luarocks tree: require and a spawned worker ok")'
rm -rf "$work/src"  # the copy and its build.luarocks folder; the tree stays for a look
