"""The REPL on a real pseudo-terminal: printing, continuation, completion, history, commands, Ctrl-C/D."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUSY_SIGINT, PARLAB, Suite, clean_env, expect_eq, expect_in, mkdtemp, not_under_tsan  # noqa: E402
from term import Term  # noqa: E402

suite = Suite()
PROMPT = r"^> "  # always used with (?m), so it matches at a line start


class Repl(Term):
    """parlab's REPL with a fresh HOME; cmd() types a line and returns what it printed."""

    def __init__(self, args=(), **env):
        self.home = mkdtemp("parlab-repl-")
        super().__init__([PARLAB] + list(args), env=clean_env(HOME=self.home, **env))
        self.expect("(?m)" + PROMPT)

    def cmd(self, line, timeout=5.0):
        """Types line at the prompt; returns its output. Waits a moment first: libedit prints the
        prompt before it switches the terminal to raw mode, and keys typed in between are echoed
        twice (by the terminal, then by libedit)."""
        time.sleep(0.05)
        self.sendline(line)
        self.expect(re.escape(line) + r"\n", timeout)
        return self.expect(r"(?ms)(.*?)" + PROMPT, timeout).group(1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@suite.test
def banner_and_prompt():
    with Repl() as r:
        expect_in("parlab ", r.text(), "version line")
        expect_in(":help", r.text(), "hint at :help")


@suite.test
def expressions_print_their_values():
    with Repl() as r:
        expect_eq(r.cmd("1 + 1"), "2\n", "1 + 1")
        expect_eq(r.cmd("=2, 'three'"), "2\tthree\n", "=")
        expect_eq(r.cmd("1 + 1;"), "2\n", "a trailing ';'")
        expect_eq(r.cmd("1 -- comment"), "1\n", "a trailing comment")
        expect_eq(r.cmd("x = 5"), "", "a statement prints nothing")
        expect_eq(r.cmd("x * 2"), "10\n", "globals persist")
        expect_eq(r.cmd("nil"), "nil\n", "nil")
        expect_eq(r.cmd("(function() end)()"), "", "no values")
        expect_eq(r.cmd("math.huge, -0.5, true"), "inf\t-0.5\ttrue\n", "several values")


@suite.test
def incomplete_chunks_continue():
    with Repl() as r:
        r.sendline("for i = 1, 2 do")
        r.expect(r"(?m)^>> ")
        r.sendline("print(i * 10)")
        r.expect(r"(?m)^>> ")
        r.sendline("end")
        r.expect(r"10\n20\n")
        r.expect("(?m)" + PROMPT)
        r.sendline("s = [[a")
        r.expect(r"(?m)^>> ")
        r.sendline("b]]")
        r.expect("(?m)" + PROMPT)
        expect_eq(r.cmd("s"), "a\nb\n", "long string over two lines")


@suite.test
def tables_print_readably():
    with Repl() as r:
        expect_eq(r.cmd("{1, 2, {a = 1}, b = 'x'}"), '{1, 2, {a = 1}, b = "x"}\n', "nested")
        r.cmd("t = {}; t.self = t")
        expect_in("self = <cycle: table: 0x", r.cmd("t"), "cycle")
        big = r.cmd("big = {} for i = 1, 100 do big[i] = i end return big")
        expect_in("... (+60 more)", big, "width bound")
        expect_in("{...1 entry}", r.cmd("{{{{{1}}}}}"), "depth bound")


@suite.test
def errors_return_to_the_prompt():
    with Repl() as r:
        out = r.cmd("error('bad thing')")
        expect_in("parlab: stdin:1: bad thing", out, "runtime error")
        expect_in("stack traceback:", out, "traceback")
        expect_in("unexpected symbol near '='", r.cmd("x = = 1"), "syntax error")
        expect_eq(r.cmd("1"), "1\n", "still alive")


@suite.test
def tab_completes_globals_fields_and_methods():
    with Repl() as r:
        r.send("string.fo\t")
        r.expect("string.format")
        r.sendline()
        r.expect(r"function: builtin")
        r.expect("(?m)" + PROMPT)
        start = len(r.text())
        r.send("parlab.\t\t")
        r.expect(r"(?m)^> parlab\.$")  # the line again, under the listing
        listing = r.text()[start:]
        for name in ("parlab.sleep", "parlab.cpus", "parlab.version", "parlab.clock"):
            expect_in(name, listing, "parlab.<TAB><TAB>")
        r.send("\x15")  # Ctrl-U: drop the line
        r.cmd("a = {b = {cde = 41}}")
        r.send("a.b.c\t")
        r.expect(r"a\.b\.cde")
        r.sendline(" + 1")
        r.expect(r"\n42\n")
        r.cmd("s = 'x'")
        r.send("s:up\t")
        r.expect(r"s:upper")
        r.sendline("()")
        r.expect(r"\nX\n")
        r.expect("(?m)" + PROMPT)
        r.send("pri\t")
        r.expect("print")
        r.sendline("('done')")
        r.expect(r"\ndone\n")


@suite.test
def history_is_saved_and_recalled():
    r = Repl()
    try:
        r.cmd("hist_value = 17")
        r.cmd("=hist_value + 1")
        r.send("\x1b[A")  # up arrow: the last line again
        r.sendline()
        r.expect(r"\n18\n")
        time.sleep(0.2)  # keys typed before libedit's raw mode are the terminal's (see docs/cli.md)
        r.send("\x04")
        expect_eq(r.wait(), 0, "Ctrl-D status")
    finally:
        r.close()
    with open(os.path.join(r.home, ".parlab_history")) as f:
        saved = f.read()
    expect_in("hist_value\\040=\\04017", saved, "first line in the history file")
    expect_in("=hist_value\\040+\\0401", saved, "'=' line kept as typed")


@suite.test
def without_libedit_the_prompt_still_reads_lines():
    # libedit is loaded on the REPL's first line, not linked: a machine without it keeps a plain prompt.
    with Repl(PARLAB_LIBEDIT="libparlab-no-such-editor.so.9") as r:
        expect_in("line editing is off (libparlab-no-such-editor.so.9", r.text(), "the reason, once")
        expect_eq(r.cmd("=6 * 7"), "42\n", "a line still runs")
        r.send("\x04")
        expect_eq(r.wait(), 0, "Ctrl-D status")


@suite.test
def help_and_time_commands():
    with Repl() as r:
        out = r.cmd(":help")
        for word in (":help", ":time", "Ctrl-C", "Ctrl-D", "TAB"):
            expect_in(word, out, ":help")
        t0 = time.monotonic()
        out = r.cmd(":time local s = 0 for i = 1, 100 do s = s + i end", timeout=10)
        took = time.monotonic() - t0
        m = re.search(r"min ([\d.]+) (ns|us|ms|s), median [\d.]+ \w+, max [\d.]+ \w+ per loop "
                      r"\((\d+) runs?, (\d+) loops? each\)", out)
        if not m:
            raise AssertionError(":time output %r" % out)
        print("     (:time took %.2f s: %s)" % (took, out.strip()))
        expect_in("unknown REPL command ':nope'", r.cmd(":nope"), "unknown command")
        expect_in(":time needs a statement", r.cmd(":time"), ":time alone")


@suite.test
def ctrl_d_leaves_with_status_0():
    r = Repl()
    try:
        time.sleep(0.2)  # keys typed before libedit's raw mode are the terminal's (see docs/cli.md)
        r.send("\x04")
        expect_eq(r.wait(), 0, "status")
    finally:
        r.close()


@suite.test
def ctrl_c_at_the_prompt_clears_the_line():
    with Repl() as r:
        r.send("junk(")
        time.sleep(0.1)
        r.interrupt()
        r.expect("(?m)" + PROMPT)
        expect_eq(r.cmd("1 + 2"), "3\n", "after Ctrl-C")
        r.sendline("for i = 1, 2 do")
        r.expect(r"(?m)^>> ")
        r.interrupt()
        r.expect("(?m)" + PROMPT)
        expect_eq(r.cmd("'fresh'"), "fresh\n", "continuation dropped")


def interrupt_running(r, statement, presses=1):
    r.sendline(statement)
    r.expect(re.escape(statement) + r"\n")
    time.sleep(0.5)
    for i in range(presses):
        t0 = time.monotonic()  # the time from the last press to the prompt is returned
        r.interrupt()
        if i + 1 < presses:
            r.expect("press Ctrl-C again")
    out = r.expect(r"(?ms)(.*?)" + PROMPT, timeout=5).group(1)
    return out, time.monotonic() - t0


@suite.test
@not_under_tsan(BUSY_SIGINT)
def ctrl_c_interrupts_an_interpreted_loop():
    with Repl() as r:
        r.cmd("kept = 'yes'")
        r.cmd("f = function() while true do end end jit.off(f)")
        out, took = interrupt_running(r, "f()")
        expect_in("stdin:1: interrupted", out, "message")
        expect_eq(r.cmd("kept"), "yes\n", "state kept")
        print("     (interpreted loop: back at the prompt %.3f s after Ctrl-C)" % took)


@suite.test
def ctrl_c_keeps_a_hook_the_state_had():
    # The GIL (parlab --gil) runs a count hook in every state; Ctrl-C must not remove it.
    with Repl() as r:
        r.cmd("h = function() end debug.sethook(h, '', 1000)")
        r.cmd("f = function() while true do end end jit.off(f)")
        out, _ = interrupt_running(r, "f()")
        expect_in("interrupted", out, "message")
        expect_eq(r.cmd("=select(1, debug.gethook()) == h, select(3, debug.gethook())"), "true\t1000\n",
                  "hook after Ctrl-C")


@suite.test
@not_under_tsan(BUSY_SIGINT)
def gil_option_keeps_its_hook_in_the_repl():
    with Repl(["--gil"]) as r:
        if r.cmd("=parlab.gil ~= nil and parlab.gil.enabled()") != "true\n":
            print("     (no GIL module in this build: checked PARLAB_GIL only)")
            expect_eq(r.cmd("=os.getenv('PARLAB_GIL')"), "1\n", "PARLAB_GIL")
            return
        before = r.cmd("=debug.gethook()")
        r.cmd("x = 1")
        f = "f = function() while true do end end"
        r.cmd(f)
        out, _ = interrupt_running(r, "f()")
        expect_in("interrupted", out, "message")
        expect_eq(r.cmd("=debug.gethook()"), before, "the GIL's hook after statements and Ctrl-C")


@suite.test
def ctrl_c_interrupts_a_sleep():
    with Repl() as r:
        r.cmd("kept = 'yes'")
        out, _ = interrupt_running(r, "parlab.sleep(30)")
        expect_in("interrupted", out, "message")
        expect_eq(r.cmd("kept"), "yes\n", "state kept")


@suite.test
@not_under_tsan(BUSY_SIGINT)
def ctrl_c_gets_out_of_a_jit_compiled_loop():
    with Repl() as r:
        r.cmd("lost = 'soon'")
        for loop in ("for i = 1, 1e15 do end", "while true do end"):
            out, took = interrupt_running(r, loop, presses=2)
            expect_in("the Lua state was reset", out, "message")
            expect_eq(r.cmd("lost"), "nil\n", "globals are gone")
            expect_eq(r.cmd("type(parlab.clock)"), "function\n", "fresh state works")
            print("     (%s: back at the prompt %.3f s after the second Ctrl-C)" % (loop, took))
        out, _ = interrupt_running(r, ":time for i = 1, 1e15 do end", presses=2)
        expect_in("the Lua state was reset", out, ":time of a JIT loop")
        r.cmd("after = 1")
        f = "g = function() for i = 1, 1e15 do end end"
        r.cmd(f)
        r.sendline("g()")
        r.expect(r"g\(\)\n")
        time.sleep(0.5)
        r.interrupt()
        r.expect("press Ctrl-C again")
        r.interrupt()
        r.expect("(?m)" + PROMPT)
        expect_eq(r.cmd("1 + 1"), "2\n", "works after a second reset")


suite.finish()
