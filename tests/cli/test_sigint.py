"""Ctrl-C under stress: presses at random moments never break the REPL; C code that ignores Ctrl-C
ends the process on the third press (the documented worst case) instead of hanging."""
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUSY_SIGINT, PARLAB, Suite, clean_env, expect_eq, expect_in, not_under_tsan  # noqa: E402
from term import Term  # noqa: E402

suite = Suite()
PROMPT = r"(?m)^> "

STATEMENTS = [
    "for i = 1, 2e5 do x = i end",           # JIT-compiled, short
    "parlab.sleep(0.02)",                     # an engine wait
    "local t = {} for i = 1, 2e4 do t[i] = tostring(i) end",  # allocation, GC
    "=1 + 1",
    "f = function() local s = 0 for i = 1, 3e5 do s = s + i end return s end jit.off(f) f()",
]


@suite.test
def random_presses_never_break_the_repl():
    rng = random.Random(int(os.environ.get("PARLAB_TEST_SEED", "1234")))
    t = Term([PARLAB], env=clean_env())
    try:
        t.expect(PROMPT)
        for _ in range(40):
            t.sendline(rng.choice(STATEMENTS))
            time.sleep(rng.uniform(0, 0.03))
            t.interrupt()
            t.expect(PROMPT, timeout=5)
            # A Ctrl-C the kernel hands to another thread (OpenBLAS starts some) reaches the main
            # thread a little later; a person never types that fast after Ctrl-C.
            time.sleep(0.05)
            marker = "alive_%d" % rng.randrange(10**6)
            t.sendline("='%s'" % marker)
            t.expect(r"(?m)^%s$" % marker, timeout=5)
            t.expect(PROMPT, timeout=5)
        time.sleep(0.2)  # keys typed before libedit's raw mode are the terminal's (see docs/cli.md)
        t.send("\x04")
        expect_eq(t.wait(), 0, "Ctrl-D status after the presses")
    finally:
        t.close()


@suite.test
def presses_at_the_prompt_while_typing():
    t = Term([PARLAB], env=clean_env())
    try:
        t.expect(PROMPT)
        for i in range(20):
            t.send("partial_%d" % i)
            t.interrupt()
            t.expect(PROMPT)
        t.sendline("=40 + 2")
        t.expect(r"\n42\n")
    finally:
        t.close()


def press_until_exit(t, presses=6):
    """Presses Ctrl-C every 0.5 s until the process ends; its status (the third press a second
    after the first should end it)."""
    for _ in range(presses):
        t.interrupt()
        try:
            return t.wait(timeout=0.5)
        except Exception:
            pass
    return t.wait(timeout=5)


@suite.test
@not_under_tsan(BUSY_SIGINT)
def c_code_that_ignores_ctrl_c_ends_on_the_third_press():
    # Lua's pattern matcher backtracks for seconds inside one C call, where no hook can run.
    t = Term([PARLAB], env=clean_env())
    try:
        t.expect(PROMPT)
        t.sendline('n = 26 string.find(("a"):rep(n), ("a?"):rep(n) .. ("a"):rep(n) .. "b")')
        time.sleep(0.3)
        status = press_until_exit(t)
        expect_eq(status, 130, "ended by SIGINT")
        expect_in("does not respond to Ctrl-C", t.text(), "message")
    finally:
        t.close()


@suite.test
@not_under_tsan(BUSY_SIGINT)
def script_in_c_code_ends_on_the_third_press_too():
    t = Term([PARLAB, "-e", 'print("started") n = 26 '
              'string.find(("a"):rep(n), ("a?"):rep(n) .. ("a"):rep(n) .. "b")'], env=clean_env())
    try:
        t.expect("started")
        expect_eq(press_until_exit(t), 130, "status")
    finally:
        t.close()


suite.finish()
