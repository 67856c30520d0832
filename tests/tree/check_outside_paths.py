#!/usr/bin/env python3
"""Checks that no tracked file names a path outside the repository.

A clone has only the repository: a comment, document or script that points at /work/..., a sibling
../shared folder, someone's /root/ or /home/ or a notes/ folder sends the reader (or the code) to a file
they do not have. Say what the file said instead, or add it to the repository. This check fails on
any line of a tracked text file with /work/, ../shared, /root/, /home/ or notes/ in it.
Skipped: docs/measurements/ (raw logs, quoted as they were printed) and this file.
"""
import os
import re

from tree import ROOT, read_lines, report, tracked

OUTSIDE = re.compile(r"/work/|\.\./shared\b|/root/|/home/|(?<![\w.-])notes/")
SKIP = ("docs/measurements/",)
THIS = os.path.relpath(os.path.abspath(__file__), ROOT)


def main():
    problems = []
    for path in tracked():
        if path.startswith(SKIP) or path == THIS:
            continue
        for n, line in enumerate(read_lines(path), 1):
            m = OUTSIDE.search(line)
            if m:
                problems.append(f"{path}:{n}: names {m.group(0)!r}: {line.strip()[:140]}")
    report("outside paths", problems, "Say what the outside file says, or add it to the repository.")


if __name__ == "__main__":
    main()
