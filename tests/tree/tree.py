"""Shared plumbing for the tree checks (tests/tree): the repository's tracked files and a report.

Every check looks at the files git tracks (what a clone has), so build folders, editor files and
local notes never count. Outside a git checkout (a source tarball) it walks the tree instead,
skipping hidden folders and build folders (any folder with a CMakeCache.txt).
"""
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def tracked(*prefixes, suffixes=()):
    """Repository-relative paths of the tracked files under prefixes (all if none) ending in suffixes."""
    try:
        out = subprocess.run(["git", "-C", ROOT, "ls-files", "-z"], capture_output=True, check=True).stdout
        paths = [p for p in out.decode().split("\0") if p]
    except (OSError, subprocess.CalledProcessError):
        paths = []
        for top, dirs, files in os.walk(ROOT):
            dirs[:] = [d for d in dirs if not d.startswith(".")
                       and not os.path.exists(os.path.join(top, d, "CMakeCache.txt"))]
            paths += [os.path.relpath(os.path.join(top, f), ROOT) for f in files]
    paths = [p for p in sorted(paths) if os.path.isfile(os.path.join(ROOT, p))]  # deleted, not committed
    if prefixes:
        paths = [p for p in paths if any(p == d or p.startswith(d.rstrip("/") + "/") for d in prefixes)]
    if suffixes:
        paths = [p for p in paths if p.endswith(tuple(suffixes))]
    return paths


def read_lines(path):
    """The lines of a repository file, or [] for a binary file (one with a NUL byte or not UTF-8)."""
    with open(os.path.join(ROOT, path), "rb") as f:
        data = f.read()
    if b"\0" in data:
        return []
    try:
        return data.decode("utf-8").splitlines()
    except UnicodeDecodeError:
        return []


def report(name, problems, hint):
    """Prints the problems (one 'path:line: what' each) and exits 1 if there are any, else 0."""
    for p in problems:
        print(p)
    if problems:
        print(f"{name}: {len(problems)} problem(s). {hint}")
        sys.exit(1)
    print(f"{name}: ok")
    sys.exit(0)
