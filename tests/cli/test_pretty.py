"""The REPL's Lua side without a terminal: parlab.repl.pretty, completion candidates, :time's timeit."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Suite, expect_eq, run  # noqa: E402

suite = Suite()


def lua(code):
    """Runs code (which prints its findings) through parlab; returns stdout, failing on an error."""
    rc, out, err = run(["-"], stdin=code.encode())
    if rc != 0:
        raise AssertionError("parlab failed (%d): %s" % (rc, err))
    return out


PRETTY = 'local pretty = require("parlab.repl").pretty\n'


@suite.test
def scalars_and_flat_tables():
    out = lua(PRETTY + r"""
print(pretty(1), pretty("a\n\"b\""), pretty(nil), pretty(true))
print(pretty({}))
print(pretty({1, 2, 3}))
print(pretty({b = 1, a = 2, [10] = 3, ["not a name"] = 4, ["end"] = 5}))
""")
    expect_eq(out.splitlines(), [
        '1\t"a\\n\\"b\\""\tnil\ttrue',
        "{}",
        "{1, 2, 3}",
        '{[10] = 3, a = 2, b = 1, ["end"] = 5, ["not a name"] = 4}',
    ], "pretty")


@suite.test
def nested_tables_break_into_lines():
    out = lua(PRETTY + r"""
local t = {name = "a fairly long string value", items = {1, 2, 3}, inner = {x = {y = {z = 1}}},
           more = "another long string to force the line over the width"}
print(pretty(t))
""")
    expect_eq(out, """{
  inner = {x = {y = {z = 1}}},
  items = {1, 2, 3},
  more = "another long string to force the line over the width",
  name = "a fairly long string value",
}
""", "multi-line")


@suite.test
def bounds_on_depth_width_and_strings():
    out = lua(PRETTY + r"""
print(pretty({{{{{1}}}}}))
print(pretty({{{1}}}, {depth = 1}))
local big = {} for i = 1, 100 do big[i] = i end
local s = pretty(big, {width = 5})
print(s)
print(pretty(string.rep("x", 300)):sub(-20))
""")
    lines = out.splitlines()
    expect_eq(lines[0], "{{{{{...1 entry}}}}}", "depth")
    expect_eq(lines[1], "{{...1 entry}}", "depth option")
    expect_eq(lines[2], "{1, 2, 3, 4, 5, ... (+95 more)}", "width")
    expect_eq(lines[3], 'xxxxx"...(300 bytes)', "long string cut")


@suite.test
def big_tables_show_their_smallest_keys_in_order():
    out = lua(PRETTY + r"""
local h = {} for i = 1, 20000 do h["k" .. i] = i end
print(pretty(h, {width = 3}))
local mixed = {} for i = 1, 5 do mixed[i] = i end for i = 1, 2000 do mixed["z" .. i] = i end
print(pretty(mixed, {width = 5}))
print(pretty(mixed, {width = 7}))
""")
    expect_eq(out.splitlines(), [
        "{k1 = 1, k10 = 10, k100 = 100, ... (+19997 more)}",
        "{1, 2, 3, 4, 5, ... (+2000 more)}",
        "{1, 2, 3, 4, 5, z1 = 1, z10 = 10, ... (+1998 more)}",
    ], "big tables")


@suite.test
def cycles_and_shared_references():
    out = lua(PRETTY + r"""
local t = {} t.self = t
print((pretty(t):gsub("0x%x+", "ADDR")))
local shared = {1}
print(pretty({a = shared, b = shared}))
""")
    expect_eq(out.splitlines(), ["{self = <cycle: table: ADDR>}", "{a = {1}, b = {1}}"], "cycles")


@suite.test
def metatables_and_odd_values():
    out = lua(PRETTY + r"""
local obj = setmetatable({}, {__tostring = function() return "<obj>" end})
print(pretty({obj}))
local bad = setmetatable({}, {__tostring = function() error("no") end})
print(pretty({bad}):match("^{<table>}$") ~= nil)
print(pretty({[true] = 1, [1.5] = 2, [{}] = 3}):gsub("0x%x+", "ADDR"))
print(pretty({f = print}):match("^{f = function: builtin#%d+}$") ~= nil)
""")
    expect_eq(out.splitlines(), ["{<obj>}", "true", "{[1.5] = 2, [true] = 1, [table: ADDR] = 3}\t1",
                                 "true"], "odd values")


@suite.test
def completion_candidates():
    out = lua(r"""
local complete = require("parlab.repl").complete
local function show(w) print(w, table.concat(complete(w), " ")) end
show("string.fo")
show("pri")
nested = {inner = {alpha = 1, beta = 2, _hidden = 3}}
show("nested.inner.")
show("nested.inner._")
s = "text"
show("s:up")
show("nested:")
show("nope.x")
show("parlab.sl")
show("whil")
""")
    expect_eq(out.splitlines(), [
        "string.fo\tstring.format",
        "pri\tprint",
        "nested.inner.\tnested.inner.alpha nested.inner.beta",
        "nested.inner._\tnested.inner._hidden",
        "s:up\ts:upper",
        "nested:\t",
        "nope.x\t",
        "parlab.sl\tparlab.sleep",
        "whil\twhile",
    ], "complete")


@suite.test
def timeit_picks_loops_and_reports_order():
    out = lua(r"""
local c = require("parlab.repl_commands")
local r = c.timeit(function() local s = 0 for i = 1, 10 do s = s + i end return s end)
print(r.min <= r.median and r.median <= r.max, r.runs >= 1 and r.runs <= 7, r.loops >= 1,
      r.min * r.loops * r.runs < 3)
print(c.format_seconds(1.5), c.format_seconds(0.0021), c.format_seconds(3.2e-6), c.format_seconds(5e-9))
print(pcall(c.command, ":nope"))
""")
    lines = out.splitlines()
    expect_eq(lines[0], "true\ttrue\ttrue\ttrue", "timeit fields")
    expect_eq(lines[1], "1.5 s\t2.1 ms\t3.2 us\t5 ns", "units")
    expect_eq(lines[2], "false\tunknown REPL command ':nope' (:help lists them)", "unknown command")


suite.finish()
