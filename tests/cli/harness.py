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


# ctest sets PARLAB_TEST_SANITIZE=thread in ThreadSanitizer builds (tests/CMakeLists.txt).
TSAN = os.environ.get("PARLAB_TEST_SANITIZE") == "thread"


def not_under_tsan(reason):
    """Decorator (below @suite.test): the test is skipped, with reason printed, in TSan builds."""
    def mark(fn):
        fn.tsan_skip = reason
        return fn
    return mark


# Why the Ctrl-C tests of busy code are skipped under TSan: it runs a signal handler only when the thread
# next enters a libc function it intercepts (or sleeps in one); a loop of LuaJIT code, interpreted,
# compiled or inside one C call such as string.find, makes no such call, so the handler never runs.
BUSY_SIGINT = "TSan defers SIGINT's handler to the next intercepted libc call; a busy Lua loop makes none"


class Suite:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0

    def test(self, fn):
        """Decorator: runs fn now, counting it; an exception is a failure."""
        if TSAN and getattr(fn, "tsan_skip", None):
            self.skipped += 1
            print("skip %s (%s)" % (fn.__name__, fn.tsan_skip), flush=True)
            return fn
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
        skipped = ", %d skipped under TSan" % self.skipped if self.skipped else ""
        print("%d passed, %d failed%s" % (self.passed, self.failed, skipped))
        sys.exit(1 if self.failed else 0)


def expect_eq(got, want, what=""):
    if got != want:
        raise AssertionError("%s: got %r, want %r" % (what, got, want))


def expect_in(needle, hay, what=""):
    if needle not in hay:
        raise AssertionError("%s: %r not in %r" % (what, needle, hay))
