-- pipe: seed 002's Pipe: explicit, blocking communication between two processes, like MPI_Send and
-- MPI_Recv. A ping-pong of a small message measures the round trip (Python: 46 us on 2 cores).
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { rounds = 20000 },
  "usage: parlab scripts/pipe.lua [--rounds N] [--quick] [--json FILE]\n")
if opts.quick then opts.rounds = 2000 end

-- The other process: receive, answer with the same bytes, until told to stop. Echoing the raw bytes
-- serves both kinds of message: recv decodes what send encoded, recv_bytes takes bytes as they are.
local function echo(conn)
  while true do
    local msg = conn:recv_bytes()
    if msg == "stop" then break end
    conn:send_bytes(msg)
  end
  conn:close()
end

lab.header("Ping-pong through a duplex Pipe", "seed 002, Using Pipe")
local parent_end, child_end = parlab.Pipe()
local p = parlab.Process(echo, child_end)
p:start()
child_end:close()
parent_end:send("x")
assert(parent_end:recv() == "x")
local rows = {}
for _, case in ipairs { { "send/recv (any value)", "send", "recv", "x" },
  { "send_bytes/recv_bytes", "send_bytes", "recv_bytes", "x" } } do
  local send, recv = parent_end[case[2]], parent_end[case[3]]
  local t0 = parlab.clock()
  for _ = 1, opts.rounds do
    send(parent_end, case[4])
    assert(recv(parent_end) == case[4])
  end
  local rt = (parlab.clock() - t0) / opts.rounds
  rows[#rows + 1] = { how = case[1], us = rt * 1e6, rate = 1 / rt }
end
parent_end:send_bytes("stop")
p:join()
-- recv on a pipe whose other end is gone raises EOF instead of hanging.
local ok, err = pcall(parent_end.recv, parent_end)
print("recv after the other process closed its end: " .. (ok and "returned?!" or tostring(err)))
lab.tables.print({ { "how", "how" }, { "round trip (us)", "us", "%.2f" },
  { "round trips/s", "rate", "%.0f" } }, rows)
lab.bars(opts, { title = "Ping-pong through a duplex Pipe: one round trip", rows = rows, label = "how",
  value = "us", x = { label = "how" }, y = { label = "round trip", unit = "us", log = true },
  ref = { name = "Python (lecture, 2 cores)", values = { [1] = 46 } } })
print("timed from the first send to the last reply, divided by the rounds; each round is one message each way")
lab.claim("send and recv block like MPI_Send/MPI_Recv; a round trip costs microseconds (Python: 46 us)",
  rows[1].us < 46 and not ok, ("%.2f us per round trip; EOF raised: %s"):format(rows[1].us, tostring(not ok)))
lab.finish(opts, "pipe", rows)
