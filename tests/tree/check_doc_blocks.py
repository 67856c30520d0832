#!/usr/bin/env python3
"""Checks that every ```lua block in README.md and docs/*.md runs.

Readers copy these blocks into parlab; a block that no longer runs (a renamed function, a typo) teaches
the wrong API. Each block runs on its own with the built parlab (luajit plus the global parlab), in an
empty temporary folder (also its TMPDIR), with a timeout, and must
  - exit with status 0 within the timeout,
  - leave no file behind in that folder, and
  - leave no process behind (none still in its session, none still working in its folder).
A block that is a fragment on purpose (it names variables defined elsewhere, lists an API, needs MPI
ranks or a GPU, or takes minutes) is marked by an HTML comment on the line directly above its fence,
invisible in the rendered page, preferably with the reason:
    <!-- fragment: needs two MPI ranks -->
    ```lua
Usage: check_doc_blocks.py PARLAB [FILE.md ...]   (default: the tracked README.md and docs/*.md;
                                                     paths relative to the repository or absolute)
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from tree import read_lines, report, tracked

TIMEOUT = 60  # seconds for one block
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
FRAGMENT = re.compile(r"^\s*<!--\s*fragment\b.*-->\s*$")


def blocks(path):
    """[(line of the opening fence, is_fragment, code)] for the ```lua blocks of a Markdown file, and
    the problems with its fragment markers."""
    lines, found, problems = read_lines(path), [], []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            if FRAGMENT.match(lines[i]) and not (i + 1 < len(lines) and FENCE.match(lines[i + 1])):
                problems.append(f"{path}:{i + 1}: a fragment marker that is not directly above a code fence")
            i += 1
            continue
        indent, fence, lang = m.groups()
        start = i
        body = []
        i += 1
        while i < len(lines) and not lines[i].strip().startswith(fence):
            body.append(lines[i][len(indent):] if lines[i].startswith(indent) else lines[i].lstrip())
            i += 1
        i += 1  # the closing fence
        fragment = start > 0 and FRAGMENT.match(lines[start - 1]) is not None
        if lang == "lua":
            found.append((start + 1, fragment, "\n".join(body) + "\n"))
        elif fragment:
            problems.append(f"{path}:{start}: a fragment marker above a {lang or 'plain'} block "
                            "(only lua blocks run)")
    return found, problems


def session_leftovers(sid, folder):
    """Processes still in session sid or with their working folder inside folder."""
    left = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue  # gone, or not ours to look at
        if int(fields[3]) == sid or cwd == folder or cwd.startswith(folder + "/"):
            left.append(int(pid))
    return left


def run_block(parlab, path, line, code):
    """Runs one block; returns a list of problems (empty when it ran clean)."""
    with tempfile.TemporaryDirectory(prefix="parlab-docblock-") as tmp:
        work = os.path.join(tmp, "work")
        os.mkdir(work)
        # Blank lines first, so that an error's line number is the line in the Markdown file.
        script = os.path.join(tmp, path.replace("/", "_") + ".lua")
        with open(script, "w") as f:
            f.write("\n" * line + code)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LUA_")}
        env["TMPDIR"] = work
        where = f"{path}:{line}"
        # Output to a file, not a pipe: a process the block leaves behind would hold a pipe open.
        with open(os.path.join(tmp, "output"), "w+b") as out:
            proc = subprocess.Popen([parlab, script], cwd=work, env=env, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
            t0 = time.monotonic()
            try:
                status = proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                status = "timeout"
            out.seek(0)
            text = out.read().decode(errors="replace").rstrip()
        took = time.monotonic() - t0
        problems = []
        if status != 0:
            what = f"did not finish in {TIMEOUT} s" if status == "timeout" else f"exited with status {status}"
            problems.append(f"{where}: the block {what}; mark it '<!-- fragment: why -->' if it is not meant "
                            f"to run. Its output:\n    " + "\n    ".join(text.splitlines()[-20:]))
        time.sleep(0.2)  # let workers that are on their way out finish
        left = session_leftovers(proc.pid, work)
        if left:
            problems.append(f"{where}: the block left processes behind: {left}")
            for pid in left:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        files = sorted(os.listdir(work))
        if files:
            problems.append(f"{where}: the block left files behind: {', '.join(files)}")
        print(f"{where}: {'ok' if not problems else 'FAILED'} ({took:.1f} s)", flush=True)
        return problems


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    parlab = os.path.abspath(sys.argv[1])
    docs = sys.argv[2:] or [p for p in tracked(suffixes=(".md",)) if p == "README.md"
                             or (p.startswith("docs/") and p.count("/") == 1)]
    problems = []
    for path in docs:
        found, marker_problems = blocks(path)
        problems += marker_problems
        for line, fragment, code in found:
            if fragment:
                print(f"{path}:{line}: fragment, skipped")
            else:
                problems += run_block(parlab, path, line, code)
    report("doc blocks", problems,
           "Fix the block, or mark it as a fragment (see tests/tree/check_doc_blocks.py).")


if __name__ == "__main__":
    main()
