"""What a luajit user notices at parlab's command line: -b saves and lists bytecode as luajit's -b, -h is
--help, messages start with the program name as invoked (argv[0]), `parlab ./lab` runs a file named lab
while `parlab lab` is the tour, and -l sets a global as Lua 5.4's lua does (docs/cli.md)."""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import PARLAB, Suite, clean_env, expect_eq, expect_in, mkdtemp, run  # noqa: E402

suite = Suite()
tmp = mkdtemp("parlab-parity-")
SRC = os.path.join(tmp, "two.lua")
with open(SRC, "w") as f:
    f.write("local x = 1\nprint(x + 1)\n")


@suite.test
def b_saves_bytecode_that_runs():
    out_file = os.path.join(tmp, "two.out")
    rc, _, err = run(["-b", SRC, out_file])
    expect_eq((rc, err), (0, ""), "parlab -b")
    with open(out_file, "rb") as f:
        expect_eq(f.read(3), b"\x1bLJ", "a LuaJIT bytecode header")
    rc, out, _ = run([out_file])
    expect_eq((rc, out), (0, "2\n"), "parlab runs the saved bytecode")
    if shutil.which("luajit"):
        p = subprocess.run(["luajit", out_file], capture_output=True, timeout=20)
        expect_eq((p.returncode, p.stdout), (0, b"2\n"), "stock luajit runs it too")


@suite.test
def b_with_an_attached_option_lists_bytecode():
    rc, out, _ = run(["-bl", SRC])
    expect_eq(rc, 0, "status")
    expect_in("-- BYTECODE -- two.lua", out, "listing")
    expect_in("GGET", out, "an instruction")


@suite.test
def b_must_come_first_and_reports_missing_files():
    rc, _, err = run(["-e", "x = 1", "-b", SRC, os.path.join(tmp, "never.out")])
    expect_eq(rc, 1, "status after -e")
    expect_in("'-b' must be the first option", err, "message")
    rc, _, err = run(["-b", os.path.join(tmp, "missing.lua"), os.path.join(tmp, "m.out")])
    expect_eq(rc, 1, "status for a missing input")
    expect_in("cannot open", err, "message")


@suite.test
def h_is_help():
    rc, out, err = run(["-h"])
    expect_eq((rc, err), (0, ""), "status and stderr")
    expect_in("usage: parlab", out, "usage on stdout")
    expect_in("-b ...", out, "-b is listed")


@suite.test
def messages_start_with_the_name_as_invoked():
    for argv0 in ("myparlab", "./some/where/parlab"):
        p = subprocess.run([argv0, "-e", "error('boom')"], executable=PARLAB, capture_output=True,
                           timeout=20, env=clean_env())
        expect_eq(p.returncode, 1, "status")
        expect_in(argv0 + ": (command line):1: boom", p.stderr.decode(), "runtime error prefix")
        p = subprocess.run([argv0, "-Z"], executable=PARLAB, capture_output=True, timeout=20, env=clean_env())
        expect_in(argv0 + ": unrecognized option '-Z'", p.stderr.decode(), "option error prefix")


@suite.test
def a_script_named_lab_needs_a_path():
    folder = mkdtemp("parlab-lab-")
    with open(os.path.join(folder, "lab"), "w") as f:
        f.write("print('the file lab', ...)\n")
    rc, out, _ = run(["./lab", "x"], cwd=folder)
    expect_eq((rc, out), (0, "the file lab\tx\n"), "parlab ./lab runs the file")


@suite.test
def l_sets_a_global_as_lua_5_4_does():
    folder = mkdtemp("parlab-mod-")
    with open(os.path.join(folder, "mymod.lua"), "w") as f:
        f.write("return { x = 42 }\n")
    env = clean_env(LUA_PATH=os.path.join(folder, "?.lua") + ";;")
    rc, out, _ = run(["-l", "mymod", "-e", "print(mymod.x)"], env=env)
    expect_eq((rc, out), (0, "42\n"), "-l mymod")
    rc, out, _ = run(["-l", "m=mymod", "-e", "print(m.x, mymod)"], env=env)
    expect_eq((rc, out), (0, "42\tnil\n"), "-l m=mymod")


suite.finish()
