-- What Lua code can reach must never crash: every function reachable from the parlab table and from the
-- internal table, require "parlab.internal" (sub-tables included), and every method of cheap objects is
-- called with each bad argument below, as a function and, for methods, both with '.' (the argument as
-- self) and with ':' (the argument after a good self). Each call runs in a forked child, so a crash is
-- seen as the child's exit by signal and fails the test; a call that blocks (Queue.get(),
-- parlab.sleep(2^63)) is killed after a short while and only counted. Each refusal's message of the public
-- API is checked too: it names the function (its name is in the text) and points at the caller's line
-- (this file), never at a line inside parlab's own Lua files or a bindings file.
local T = require "check"
local ffi = require "ffi"
ffi.cdef [[
  int kill(int, int);
  int dup2(int, int);
  int usleep(unsigned);
  int close(int);
  long write(int, const char*, size_t);
  int open(const char*, int, int);
]]
local WNOHANG, SIGKILL, O_WRONLY, O_CREAT, O_APPEND = 1, 9, 1, 64, 1024
local HERE = debug.getinfo(1, "S").short_src  -- a refusal's position must be this file
local LIMIT = 1.0      -- seconds a call may run before it counts as blocking
local AT_ONCE = 16     -- children in flight (most of them sleep or exit at once)

local cyclic = {}  -- a table that holds itself, as a value and as a key
cyclic[1], cyclic.self, cyclic[cyclic] = cyclic, cyclic, true
local ARGS = { { n = 0 }, { n = 1, nil }, { n = 1, "x" }, { n = 1, -1 }, { n = 1, 2 ^ 63 }, { n = 1, 0 / 0 },
  { n = 1, {} }, { n = 1, cyclic } }
local function show_args(a)
  if a.n == 0 then return "()" end
  local v = a[1]
  if v == cyclic then return "(a cyclic table)" end
  if type(v) == "table" then return "({})" end
  if v ~= v then return "(0/0)" end
  if v == 2 ^ 63 then return "(2^63)" end
  return "(" .. (type(v) == "string" and ("%q"):format(v) or tostring(v)) .. ")"
end

-- Skipped: they end the process by design (MPI_Abort; the spawn child's entry point).
local SKIP = { ["parlab.mpi.Abort"] = true, ["parlab.mpi.COMM_WORLD.Abort"] = true,
  ["parlab.internal.process_child"] = true }

-- Every function under parlab and under the internal table, by path.
local functions = {}
do
  local seen = {}
  local function walk(t, path)
    if seen[t] then return end
    seen[t] = true
    local keys = {}
    for k in pairs(t) do if type(k) == "string" then keys[#keys + 1] = k end end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local v, p = rawget(t, k), path .. "." .. k
      if type(v) == "function" and not SKIP[p] then
        functions[#functions + 1] = { path = p, fn = v }
      elseif type(v) == "table" then
        walk(v, p)
      end
    end
  end
  walk(parlab, "parlab")
  walk(require "parlab.internal", "parlab.internal")
end

-- Cheap objects, made again in each child (a call may change them: a lock acquired, a queue closed).
local OBJECTS = {
  array = function() return parlab.array("f64", 4) end,
  array2d = function() return parlab.array("i32", { 2, 3 }) end,
  Queue = function() return parlab.Queue(2) end,
  SimpleQueue = function() return parlab.SimpleQueue() end,
  JoinableQueue = function() return parlab.JoinableQueue() end,
  Lock = function() return parlab.Lock() end,
  RLock = function() return parlab.RLock() end,
  Semaphore = function() return parlab.Semaphore(1) end,
  BoundedSemaphore = function() return parlab.BoundedSemaphore(1) end,
  Event = function() return parlab.Event() end,
  Condition = function() return parlab.Condition() end,
  Barrier = function() return parlab.Barrier(1) end,
  Value = function() return parlab.Value("i", 1) end,
  Array = function() return parlab.Array("d", 3) end,
  ShareableList = function() return parlab.ShareableList({ 1, "a" }) end,
  Pipe = function() return (parlab.Pipe()) end,
  Process = function() return parlab.Process(function() end) end,
  Thread = function() return parlab.Thread(function() end) end,
}
local NAMES = { "get", "put", "put_nowait", "get_nowait", "qsize", "empty", "full", "maxsize", "close",
  "is_closed", "join", "task_done", "start", "run", "terminate", "kill", "is_alive", "send", "recv", "poll",
  "acquire", "release", "locked", "with", "wait", "set", "clear", "is_set", "notify", "notify_all",
  "wait_for", "reset", "abort", "get_lock", "get_value", "totable", "add", "count", "index", "capacity",
  "slice", "view", "row", "reshape", "fill", "copy", "refs", "how", "info", "shape", "type", "ndim" }

local methods = {}
for _, kind in ipairs((function()
  local k = {}
  for name in pairs(OBJECTS) do k[#k + 1] = name end
  table.sort(k)
  return k
end)()) do
  local obj = OBJECTS[kind]()
  for _, name in ipairs(NAMES) do
    local ok, f = pcall(function() return obj[name] end)
    if ok and type(f) == "function" then methods[#methods + 1] = { kind = kind, name = name } end
  end
end

-- The calls, each a closure a child runs, written as a user writes them (`parlab.sleep(...)`, `o:get(...)`,
-- compiled as a chunk of this file), so that an error names the function as it would for the user.
local function as_written(call_text)
  local chunk = assert(loadstring("local o, a = ...; " .. call_text .. "(unpack(a, 1, a.n))", "@" .. HERE))
  return chunk
end
-- Internals (the internal table, or a path component starting with '_') are swept for crashes only: they
-- are not the user's API. They are called directly: no name in parlab leads to them.
local function internal(path) return path:find("^parlab%.internal%.") ~= nil or path:find("%._") ~= nil end

local calls = {}
for _, f in ipairs(functions) do
  local plain = f.path:match("^[%w_.]+$") and not f.path:find("%.%d") and not internal(f.path)
  local chunk = plain and as_written(f.path)
  for _, a in ipairs(ARGS) do
    calls[#calls + 1] = { what = f.path .. show_args(a), name = f.path:match("([^.]+)$"),
      internal = internal(f.path) or not plain,
      run = function()
        if chunk then chunk(nil, a) else f.fn(unpack(a, 1, a.n)) end
      end }
  end
end
for _, m in ipairs(methods) do
  local dot, colon = as_written("o." .. m.name), as_written("o:" .. m.name)
  for _, a in ipairs(ARGS) do
    calls[#calls + 1] = { what = m.kind .. "." .. m.name .. show_args(a), name = m.name,
      run = function() dot(OBJECTS[m.kind](), a) end }
    calls[#calls + 1] = { what = m.kind .. ":" .. m.name .. show_args(a), name = m.name,
      run = function() colon(OBJECTS[m.kind](), a) end }
  end
end

-- A refusal's text is good when it names the function and its position is the caller's line.
local function refusal_problem(call, text)
  local where = text:match("^(.-):%d+: ")
  if where ~= HERE then return "raised at " .. (where or "no position") end
  if not text:lower():find(call.name:lower(), 1, true) then return "does not name " .. call.name end
end

local refusals = {}  -- index of the call -> its error text, as the children wrote them

T.test("no call with a bad argument ends its process by a signal", function()
  local log_path = os.tmpname()
  local log = ffi.C.open(log_path, O_WRONLY + O_CREAT + O_APPEND, 384)
  T.ok(log >= 0, "the refusal log opens")
  local crashes, blocking, running, next_call = {}, 0, {}, 1
  local status = ffi.new("int[1]")
  local t0 = parlab.clock()
  while next_call <= #calls or next(running) do
    while next_call <= #calls and #running < AT_ONCE do
      local c, index = calls[next_call], next_call
      next_call = next_call + 1
      local pid = T.forked(function()
        local null = ffi.C.open("/dev/null", O_WRONLY, 0)
        ffi.C.dup2(null, 1)
        ffi.C.dup2(null, 2)
        local ok, err = pcall(c.run)
        if not ok then  -- one line per refusal: O_APPEND keeps the children's lines whole
          local line = index .. "\t" .. tostring(err):sub(1, 300):gsub("[\r\n\t]", " ") .. "\n"
          ffi.C.write(log, line, #line)
        end
      end)
      running[#running + 1] = { pid = pid, call = c, since = parlab.clock() }
    end
    local i = 1
    while i <= #running do
      local r = running[i]
      local done = ffi.C.waitpid(r.pid, status, WNOHANG)
      if done == r.pid then
        local sig = bit.band(status[0], 0x7f)
        if r.killed then
          blocking = blocking + 1
        elseif sig ~= 0 then
          crashes[#crashes + 1] = ("%s: signal %d"):format(r.call.what, sig)
        end
        table.remove(running, i)
      else
        if not r.killed and parlab.clock() - r.since > LIMIT then
          ffi.C.kill(r.pid, SIGKILL)
          r.killed = true
        end
        i = i + 1
      end
    end
    ffi.C.usleep(2000)
  end
  ffi.C.close(log)
  for line in io.lines(log_path) do
    local index, text = line:match("^(%d+)\t(.*)$")
    if index then refusals[tonumber(index)] = text end
  end
  os.remove(log_path)
  io.write(("  %d calls (%d functions, %d methods), %d blocked and were killed, %.1f s\n"):format(#calls,
    #functions, #methods, blocking, parlab.clock() - t0))
  if #crashes > 0 then T.fail(#crashes .. " calls crashed:\n  " .. table.concat(crashes, "\n  ")) end
end)

T.test("every refusal names its function and points at the caller's line", function()
  local bad, count = {}, 0
  for index, text in pairs(refusals) do
    count = count + (calls[index].internal and 0 or 1)
    local problem = not calls[index].internal and refusal_problem(calls[index], text)
    if problem then bad[#bad + 1] = ("%s: %s: %s"):format(calls[index].what, problem, text) end
  end
  table.sort(bad)
  io.write(("  %d refusals, %d of them without the function's name or not at the caller's line\n"):format(count,
    #bad))
  T.ok(count > 1000, "the sweep saw its refusals (" .. count .. ")")
  if #bad > 0 then T.fail(#bad .. " refusals:\n  " .. table.concat(bad, "\n  ")) end
end)

-- Closed, terminated and released objects, and NaN/inf timeouts: each refusal is a Lua error naming the
-- method. (Thread.start after join says "threads can only be started once" without the method's name, and
-- Thread.join accepts a NaN timeout: reported to the thread helper, not asserted here.)
T.test("closed, terminated and released objects; NaN and inf timeouts", function()
  local q = parlab.Queue()
  q:close()
  T.raises("Queue.put: Closed", q.put, q, 1)
  T.raises("Queue.get: Closed", q.get, q, false)
  T.raises("Queue.get: timeout must be a non-negative number", q.get, parlab.Queue(), true, 0 / 0)
  local a, b = parlab.Pipe()
  a:close()
  T.raises("Connection.send: the connection is closed", a.send, a, 1)
  T.raises("Connection.recv: the connection is closed", a.recv, a)
  T.raises("Connection.recv: EOFError", b.recv, b)
  T.raises("Connection.poll: the connection is closed", a.poll, a, 0 / 0)
  local l = parlab.Lock()
  T.raises("Lock.release: release unlocked lock", l.release, l)
  T.raises("Lock.acquire: timeout must be a non-negative number", l.acquire, l, true, 0 / 0)
  T.raises("Lock.acquire: timeout must be a non-negative number", l.acquire, l, true, -1 / 0)
  local pool = parlab.Pool(1)
  pool:terminate()
  T.raises("Pool.map: the pool is terminated", pool.map, pool, function(x) return x end, { 1 })
  T.raises("Pool.apply_async: the pool is terminated", pool.apply_async, pool, print)
  pool:join()
end)

T.done()
