#pragma once
// parlab.Pipe: two connection ends joined by two FIFOs (one per direction) in the shared arena. End e
// reads inbox e and writes the other end's inbox; with duplex == false end 0 only reads and end 1 only
// writes (Python's `r, w = Pipe(False)`). A reader never hangs on a peer that is gone: closing the last
// handle of an end wakes the other end's readers (EOF), and a waiting reader checks every
// kPeerCheckSeconds whether the processes holding the other end still live (SIGKILL, crash).
#include <cstddef>
#include <cstdint>

#include "engine/arena/shared_object.hpp"
#include "engine/queues/pipe_holders.hpp"
#include "engine/queues/queue_fifo.hpp"
#include "engine/queues/queue_signal.hpp"

namespace parlab::queue {

enum class PipeStatus {
  ok,
  timeout,    // nothing arrived within the time given
  closed,     // recv: EOF, every handle of the other end was closed; send: the reader closed or died
  peer_died,  // recv: EOF, the process(es) holding the other end died without closing it
};

constexpr double kPeerCheckSeconds = 0.05;

class Pipe : public shm::Header {
 public:
  static constexpr std::uint32_t kKind = 0x50495045;  // "PIPE"

  explicit Pipe(bool duplex = true) : duplex_(duplex) {}

  bool duplex() const noexcept { return duplex_; }
  bool can_send(int end) const noexcept { return duplex_ || end == 1; }
  bool can_recv(int end) const noexcept { return duplex_ || end == 0; }

  // Every handle of an end (a Lua connection, in any process) opens it once and closes it once.
  void open_end(int end) { holders_[end].add(); }
  void close_end(int end);
  // Moves one hold of `end` from process `from` to this one (a forked child taking over an open end).
  void hand_over_end(int end, const ProcessId& from) {
    holders_[end].add();
    holders_[end].remove_for(from);
  }

  PipeStatus send(int end, const char* data, std::size_t size) {
    Piece whole{data, size};
    return send(end, &whole, 1);
  }
  // The same for a message in pieces (engine/core/pieces.hpp), copied in once.
  PipeStatus send(int end, const Piece* pieces, std::size_t count);
  // timeout < 0 waits forever; 0 only looks.
  PipeStatus recv(int end, Message& out, double timeout = -1);
  // ok when a message is waiting; closed/peer_died when recv would raise EOF; timeout otherwise.
  PipeStatus poll(int end, double timeout);

  // A handle on its way to another thread or process (the transport): keeps the pipe and the end open
  // for the sender until a receiver takes the ticket over (once), so closing the sender's own copy
  // right after sending cannot end the pipe early.
  void send_handle(int end);
  void receive_handle(int end, const ProcessId& sender);  // call after taking a reference of one's own

  std::size_t pending(int end) const noexcept { return inbox_[end].size(); }

  // How many holds of `end` this process has only because fork copied them (never used here): a
  // forked child that inherited both ends must not keep its own reads from seeing EOF. Set by the
  // bindings, which know their handles.
  using UnusedHoldsHook = std::int32_t (*)(const Pipe* pipe, int end);
  static void set_unused_holds_hook(UnusedHoldsHook hook) noexcept;

 private:
  // Waits until a message or EOF is visible for `end`, or the deadline; checks the peer's processes.
  PipeStatus wait_readable(int end, double deadline);
  Holders::State peer_state(int end);  // the other end's state, with the /proc check

  const bool duplex_;
  Holders holders_[2];
  Fifo inbox_[2];
  std::atomic<std::int32_t> in_flight_[2] = {0, 0};
  alignas(64) Signal arrived_[2];
};

}  // namespace parlab::queue
