-- Big messages (MiBs) through Queue and Pipe, between processes and threads: sizes that grow, shrink and
-- repeat, each with its own contents, arrive whole. The paths keep memory warm between messages (the
-- Queue's encoding buffer, the FIFO's spare block, the Lua states' big-block cache): a reused buffer must
-- never leak a longer earlier message's bytes into a shorter later one.
local T = require "check"

local sizes = { 2 ^ 20 + 3, 5 * 2 ^ 20, 2 ^ 20 + 1, 5 * 2 ^ 20, 3 * 2 ^ 20 + 7, 100 }

-- A message of n bytes that differs from every other size's and position's.
local function message(n, k)
  local unit = ("%d:%d;"):format(k, n)
  return (unit:rep(math.ceil(n / #unit))):sub(1, n)
end

local function queue_echo(inq, outq)
  while true do
    local m = inq:get()
    if m == "" then break end
    outq:put(m)
  end
end

local function pipe_echo(conn)
  while true do
    local m = conn:recv_bytes()
    if m == "" then break end
    conn:send_bytes(m)
  end
end

local function round_trips(send, recv)
  for k, n in ipairs(sizes) do
    local m = message(n, k)
    send(m)
    local back = recv()
    T.eq(#back, n)
    T.ok(back == m, ("message %d (%d bytes) came back changed"):format(k, n))
  end
end

for _, how in ipairs { "Process", "Thread" } do
  T.test("big Queue items of changing sizes arrive whole (" .. how .. ")", function()
    local inq, outq = parlab.Queue(), parlab.Queue()
    local w = parlab[how](queue_echo, inq, outq)
    w:start()
    round_trips(function(m) inq:put(m) end, function() return outq:get(30) end)
    inq:put("")
    w:join()
  end)

  T.test("big Pipe messages of changing sizes arrive whole (" .. how .. ")", function()
    local a, b = parlab.Pipe()
    local w = parlab[how](pipe_echo, b)
    w:start()
    round_trips(function(m) a:send_bytes(m) end, function() return a:recv_bytes(nil, 30) end)
    a:send_bytes("")
    w:join()
  end)
end

T.test("a big table travels through a Queue and its array part comes back intact", function()
  local q = parlab.Queue()
  local t = {}
  for i = 1, 200000 do t[i] = i * 3 end
  q:put(t)
  local back = q:get(30)
  T.eq(#back, 200000)
  T.eq(back[1], 3)
  T.eq(back[200000], 600000)
end)

T.done()
