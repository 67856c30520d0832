-- The REPL's :commands (require "parlab.repl_commands"): :help and :time.
local M = {}

local parlab = require("parlab")
local clock = parlab.clock
local format = string.format

local help = [[
REPL commands:
  :help          this list
  :time STMT     run STMT (a statement or an expression) over repeats and print the
                 min / median / max time per loop, like IPython's %timeit
At the prompt:
  EXPR, =EXPR    print the values of EXPR (tables pretty-printed; in code use
                 require("parlab.repl").pretty(v) for the same text)
  TAB            complete globals and fields: parlab.<TAB>, string.fo<TAB>, s:<TAB>
  Ctrl-C         clear the line, or interrupt the running statement
  Ctrl-D         leave (the history is kept in ~/.parlab_history)]]

-- "1.23 ms": three significant digits in the fitting unit.
function M.format_seconds(s)
  local units = { { 1, "s" }, { 1e-3, "ms" }, { 1e-6, "us" }, { 1e-9, "ns" } }
  for _, u in ipairs(units) do
    if s >= u[1] or u[2] == "ns" then return format("%.3g %s", s / u[1], u[2]) end
  end
end

local function run(fn, loops)
  local t0 = clock()
  for _ = 1, loops do fn() end
  return clock() - t0
end

-- Loops per run as timeit's autorange: 1, 2, 5, 10, 20, ... until a run takes >= min_run seconds.
-- Then as many runs as fit about one second (1 to 7); the autorange's last run counts as the first.
function M.timeit(fn, min_run)
  min_run = min_run or 0.05
  local loops, t = 1, run(fn, 1)
  local steps, i = { 2, 2.5, 2 }, 1
  while t < min_run and loops < 1e9 do
    loops = math.floor(loops * steps[i] + 0.5)
    i = i % 3 + 1
    t = run(fn, loops)
  end
  local runs = math.max(1, math.min(7, math.floor(1.0 / t)))
  local per_loop = { t / loops }
  for r = 2, runs do per_loop[r] = run(fn, loops) / loops end
  table.sort(per_loop)
  local median = per_loop[math.floor((runs + 1) / 2)]
  if runs % 2 == 0 then median = (median + per_loop[runs / 2 + 1]) / 2 end
  return { min = per_loop[1], median = median, max = per_loop[runs], runs = runs, loops = loops }
end

local function compile(code)
  local fn = loadstring("return " .. code, "=stdin")
  if fn then return fn end
  local err
  fn, err = loadstring(code, "=stdin")
  if not fn then error(err, 0) end
  return fn
end

function M.time(code)
  if not code:find("%S") then error(":time needs a statement, e.g.  :time math.sqrt(2)", 0) end
  local r = M.timeit(compile(code))
  print(format("min %s, median %s, max %s per loop (%d run%s, %d loop%s each)",
    M.format_seconds(r.min), M.format_seconds(r.median), M.format_seconds(r.max),
    r.runs, r.runs == 1 and "" or "s", r.loops, r.loops == 1 and "" or "s"))
  return r
end

function M.help()
  print(help)
end

-- command(":time x = 1") runs a command line (the REPL passes lines that start with ':').
function M.command(line)
  local name, rest = line:match("^:(%a*)%s*(.*)$")
  if name == "help" or name == "h" or name == "?" then return M.help() end
  if name == "time" then
    M.time(rest)
    return
  end
  error(format("unknown REPL command '%s' (:help lists them)", line:match("^%S*")), 0)
end

return M
