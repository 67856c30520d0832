#!/usr/bin/env python3
"""Checks that every tracked C and C++ file is formatted as .clang-format says.

One format for the whole tree keeps diffs about what changed, not about where the braces went. This
check runs clang-format --dry-run --Werror on each tracked .cpp, .hpp, .c and .h file and fails, naming
each file that clang-format would change and how many places it would touch. Fix a file with
    clang-format -i FILE
Skipped (exit 77) when clang-format is not installed (tools/install-deps.sh installs it).
"""
import shutil
import subprocess
import sys

from tree import ROOT, report, tracked


def main():
    tool = shutil.which("clang-format")
    if not tool:
        print("clang-format is not installed (sh tools/install-deps.sh installs it): skipped")
        sys.exit(77)
    problems = []
    for path in tracked(suffixes=(".cpp", ".hpp", ".c", ".h")):
        run = subprocess.run([tool, "--dry-run", "--Werror", path], cwd=ROOT, capture_output=True, text=True)
        if run.returncode != 0:
            places = run.stderr.count(": error: code should be clang-formatted")
            problems.append(f"{path}: clang-format would change {places} place(s)"
                            if places else f"{path}: {run.stderr.strip()}")
    report("clang-format", problems, "Format a file with: clang-format -i FILE (the style is .clang-format).")


if __name__ == "__main__":
    main()
