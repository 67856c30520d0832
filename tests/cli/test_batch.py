"""parlab at the command line, without a terminal: lua.c's options, arg, exit statuses and messages."""
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUSY_SIGINT, PARLAB, Suite, clean_env, expect_eq, expect_in, mkdtemp, not_under_tsan, run  # noqa: E402
from term import Term  # noqa: E402

suite = Suite()
tmp = mkdtemp("parlab-batch-")


def script(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


ARGS = script("args.lua", "print(arg[0], arg[1], arg[2], select('#', ...), ...)\n"
                          "print(arg[-1] == arg[-1], #arg)\n")


@suite.test
def script_gets_arg_and_varargs():
    rc, out, err = run([ARGS, "a", "b c"])
    expect_eq(rc, 0, "status")
    lines = out.splitlines()
    expect_eq(lines[0], "%s\ta\tb c\t2\ta\tb c" % ARGS, "arg and ...")
    expect_eq(lines[1], "true\t2", "#arg")


@suite.test
def options_have_negative_indices():
    probe = script("neg.lua", "print(arg[-3] ~= nil, arg[-2], arg[-1], arg[0], arg[1])\n")
    rc, out, _ = run(["-e", "x=1", probe, "z"])
    expect_eq(rc, 0, "status")
    expect_eq(out, "true\t-e\tx=1\t%s\tz\n" % probe, "arg")


@suite.test
def e_and_l_run_in_order():
    moddir = mkdtemp()
    with open(os.path.join(moddir, "mymod.lua"), "w") as f:
        f.write("return { answer = 42 }\n")
    env = clean_env(LUA_PATH=moddir + "/?.lua;;")
    rc, out, err = run(["-e", "x = 1", "-l", "mymod", "-lm2=mymod", "-e",
                        "print(x, mymod.answer, m2.answer)"], env=env)
    expect_eq((rc, out, err), (0, "1\t42\t42\n", ""), "run")
    rc, _, err = run(["-l", "no_such_module_xyz"])
    expect_eq(rc, 1, "missing module status")
    expect_in("module 'no_such_module_xyz' not found", err, "message")


@suite.test
def interactive_after_script_reads_stdin():
    s = script("setsy.lua", "y = 7\n")
    rc, out, _ = run(["-i", s], stdin=b"print(y * 6)\n=y\n")
    expect_eq(rc, 0, "status")
    expect_in("42", out, "REPL after the script")
    expect_in("\n7\n", out.replace("> ", "\n"), "=y")
    rc, out, err = run(["-i", "-e", ""], stdin=b"for i = 1, 2 do\n")
    expect_eq(rc, 0, "status after an unfinished chunk")
    expect_in("'end' expected", err, "unfinished chunk at the end of input is reported")


@suite.test
def dash_reads_script_from_stdin():
    rc, out, _ = run(["-", "a", "b"], stdin=b"print(arg[0], ...)\n")
    expect_eq((rc, out), (0, "-\ta\tb\n"), "stdin script")


@suite.test
def stdin_is_the_script_when_not_a_terminal():
    rc, out, _ = run([], stdin=b"print('from stdin', parlab ~= nil)\n")
    expect_eq((rc, out), (0, "from stdin\ttrue\n"), "stdin script")
    rc, out, err = run([], stdin=b"local x = 1\nerror('bad ' .. x)\n")
    expect_eq(rc, 1, "error status")
    expect_in("parlab: stdin:2: bad 1", err, "message")


@suite.test
def double_dash_ends_options():
    rc, out, _ = run(["--", ARGS, "-e"])
    expect_eq(rc, 0, "status")
    expect_in("\t-e\tnil\t1\t-e", out, "-e passed as a script argument")
    rc, out, _ = run(["-e", "print 'only'", "--"])
    expect_eq((rc, out), (0, "only\n"), "-- with no script")


@suite.test
def version_and_help():
    rc, out, _ = run(["-v"])
    expect_eq(rc, 0, "-v status")
    expect_in("parlab ", out, "-v")
    expect_in("LuaJIT", out, "-v")
    rc, out, _ = run(["--help"])
    expect_eq(rc, 0, "--help status")
    for word in ("usage: parlab", "-e chunk", "-l name", "-i", "--gil", "lab"):
        expect_in(word, out, "--help")
    rc, out, err = run(["-x"])
    expect_eq(rc, 1, "bad option status")
    expect_in("unrecognized option '-x'", err, "bad option")
    expect_in("usage:", err, "usage after a bad option")
    rc, _, err = run(["-e"])
    expect_eq(rc, 1, "-e without chunk")
    expect_in("'-e'", err, "message")


@suite.test
def runtime_error_message_traceback_and_status():
    s = script("boom.lua", "local function f()\n  error('boom')\nend\nf()\n")
    rc, out, err = run([s])
    expect_eq(rc, 1, "status")
    expect_in("parlab: %s:2: boom" % s, err, "message")
    expect_in("stack traceback:", err, "traceback")
    expect_in("in function 'f'", err, "traceback names f")


# The same cases and texts as T.error_objects in tests/lua/check.lua (a thread, a pool task, a Process).
ERROR_OBJECTS = [
    ("error({})", "(error object is not a string)"),
    ("error(nil)", "(error object is a nil value)"),
    ("error(setmetatable({}, {__tostring = function() return 'custom text' end}))", "custom text"),
]


@suite.test
def error_objects_that_are_not_strings():
    for chunk, text in ERROR_OBJECTS:
        rc, _, err = run(["-e", chunk])
        expect_eq(rc, 1, "status of " + chunk)
        expect_in("parlab: %s\nstack traceback:" % text, err, chunk)


@suite.test
def syntax_error_and_missing_file():
    s = script("syntax.lua", "x = = 1\n")
    rc, _, err = run([s])
    expect_eq(rc, 1, "syntax status")
    expect_in("parlab: %s:1: unexpected symbol near '='" % s, err, "syntax message")
    rc, _, err = run([os.path.join(tmp, "nofile.lua")])
    expect_eq(rc, 1, "missing status")
    expect_in("parlab: cannot open %s" % os.path.join(tmp, "nofile.lua"), err, "missing message")
    rc, _, err = run(["-e", "x = = 1"])
    expect_in("(command line):1:", err, "-e syntax error")


@suite.test
def exit_statuses_from_os_exit():
    expect_eq(run(["-e", "os.exit(3)"])[0], 3, "os.exit(3)")
    expect_eq(run(["-e", "os.exit(true)"])[0], 0, "os.exit(true)")


@suite.test
def gil_option_sets_the_environment():
    rc, out, _ = run(["--gil", "-e", "print(os.getenv('PARLAB_GIL'))"])
    expect_eq((rc, out), (0, "1\n"), "--gil")
    rc, out, _ = run(["-e", "print(os.getenv('PARLAB_GIL'))"])
    expect_eq(out, "nil\n", "without --gil")


@suite.test
def lua_init_and_E():
    env = clean_env(LUA_INIT="init_ran = 5")
    expect_eq(run(["-e", "print(init_ran)"], env=env)[1], "5\n", "LUA_INIT")
    expect_eq(run(["-E", "-e", "print(init_ran)"], env=env)[1], "nil\n", "-E")
    s = script("init.lua", "init_file = 'yes'\n")
    env = clean_env(LUA_INIT="@" + s)
    expect_eq(run(["-e", "print(init_file)"], env=env)[1], "yes\n", "LUA_INIT=@file")


@suite.test
def jit_options():
    rc, out, _ = run(["-joff", "-e", "print(jit.status())"])
    expect_eq((rc, out.split("\t")[0]), (0, "false"), "-joff")
    rc, out, _ = run(["-j", "on", "-O3", "-e", "print(jit.status())"])
    expect_eq(rc, 0, "-j on -O3")
    expect_eq(out.split("\t")[0], "true", "jit on")


@suite.test
def lab_runs_the_tour_with_arguments():
    root = mkdtemp()
    os.makedirs(os.path.join(root, "bin"))
    os.makedirs(os.path.join(root, "scripts"))
    shutil.copy(PARLAB, os.path.join(root, "bin", "parlab"))
    with open(os.path.join(root, "scripts", "tour.lua"), "w") as f:
        f.write("print('tour', ...)\n")
    p = subprocess.run([os.path.join(root, "bin", "parlab"), "lab", "x"], capture_output=True,
                       cwd=tmp, env=clean_env(), timeout=20)
    expect_eq((p.returncode, p.stdout), (0, b"tour\tx\n"), "lab")
    os.remove(os.path.join(root, "scripts", "tour.lua"))
    p = subprocess.run([os.path.join(root, "bin", "parlab"), "lab"], capture_output=True,
                       cwd=tmp, env=clean_env(), timeout=20)
    expect_eq(p.returncode, 1, "no tour")
    expect_in(b"cannot find scripts/tour.lua", p.stderr, "no tour message")


def interrupt_script(code, wait=0.5):
    """Runs parlab -e code on a terminal, presses Ctrl-C; returns (status, output, seconds to exit)."""
    t = Term([PARLAB, "-e", code], env=clean_env())
    try:
        t.expect("started")
        time.sleep(wait)
        t0 = time.monotonic()
        t.interrupt()
        status = t.wait(timeout=10)
        return status, t.text(), time.monotonic() - t0
    finally:
        t.close()


@suite.test
@not_under_tsan(BUSY_SIGINT)
def ctrl_c_stops_an_interpreted_script_with_130():
    status, text, _ = interrupt_script("print('started') jit.off() while true do end")
    expect_eq(status, 130, "status")
    expect_in("parlab: (command line):1: interrupted", text, "message")


@suite.test
@not_under_tsan(BUSY_SIGINT)
def ctrl_c_stops_a_jit_compiled_script_with_130():
    status, text, took = interrupt_script("print('started') for i = 1, 1e15 do end")
    expect_eq(status, 130, "status")
    expect_in("interrupted", text, "message")
    print("     (JIT-compiled loop ended %.2f s after Ctrl-C)" % took)


@suite.test
def ctrl_c_stops_a_sleeping_script():
    status, text, _ = interrupt_script("print('started') parlab.sleep(30)")
    expect_eq(status, 130, "status")
    expect_in("interrupted", text, "message")


@suite.test
@not_under_tsan(BUSY_SIGINT)
def sigint_without_terminal_gives_130():
    p = subprocess.Popen([PARLAB, "-e", "io.write('started\\n') io.stdout:flush() while true do end"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    p.stdout.readline()
    time.sleep(0.3)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=10)
    expect_eq(p.returncode, 130, "status")
    expect_in(b"interrupted", err, "message")


suite.finish()
