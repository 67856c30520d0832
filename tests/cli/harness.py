"""Shared test plumbing for tests/cli: a runner that prints 'N passed, N failed', and the binary."""
import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

PARLAB = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else "build/parlab"


def mkdtemp(prefix="parlab-cli-"):
    """A temporary folder, removed when the test file ends."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, True)
    return path


def clean_env(**extra):
    """The environment for a run: a fresh HOME, no LUA_INIT, a terminal type libedit knows."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUA_") and k != "PARLAB_GIL"}
    env["HOME"] = mkdtemp()  # never the user's history file
    env["TERM"] = "xterm"
    env.update(extra)
    return env


def run(args, stdin=b"", timeout=20, **kw):
    """Runs parlab with args; returns (exit status, stdout, stderr) as text."""
    p = subprocess.run([PARLAB] + args, input=stdin, capture_output=True, timeout=timeout,
                       env=kw.pop("env", None) or clean_env(), **kw)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


class Suite:
    def __init__(self):
        self.passed = self.failed = 0

    def test(self, fn):
        """Decorator: runs fn now, counting it; an exception is a failure."""
        try:
            fn()
            self.passed += 1
            print("ok   %s" % fn.__name__, flush=True)
        except Exception:
            self.failed += 1
            lines = traceback.format_exc().rstrip().splitlines()
            print("FAIL %s\n  %s" % (fn.__name__, "\n  ".join(lines[-4:])), flush=True)
        return fn

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


def expect_eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def expect_in(needle, hay, what=""):
    if needle not in hay:
        raise AssertionError("%s: %r not in %r" % (what, needle, hay))
