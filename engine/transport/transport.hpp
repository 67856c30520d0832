#pragma once
// The transport wire format (no Lua): a growing byte Writer, a bounds-checked Reader, the value tags,
// and the keyed checksum that authenticates messages carrying bytecode. bindings/core/transport.cpp walks
// Lua values into this format; docs/transport.md describes the layout and the threat model.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/pieces.hpp"

namespace parlab::wire {

// Message: kMagic, kVersion, flags, varint value count, values..., [8-byte MAC when flags & kSigned].
constexpr uint8_t kMagic = 0xB7;
constexpr uint8_t kVersion = 1;
constexpr uint8_t kSigned = 1;     // flags bit: a SipHash MAC of every preceding byte ends the message
                                   // (set when the message holds bytecode or a kind's handle)
constexpr uint8_t kHasRefs = 2;    // flags bit: the message uses REF or shared upvalues (else the decoder
                                   // need not remember tables and functions: one table less per message)
constexpr size_t kHeaderSize = 3;  // magic, version, flags
constexpr size_t kMacSize = 8;
constexpr int kMaxDepth = 200;    // nesting of tables/functions, on both sides
constexpr int kMaxValues = 4000;  // top-level values in one message (the Lua C stack holds ~8000)

enum Tag : uint8_t {
  kNil = 0,
  kFalse = 1,
  kTrue = 2,
  kInt = 3,          // zigzag varint: a double that holds an integer in int64 range (not -0)
  kDouble = 4,       // 8 bytes, little endian, bit-exact
  kString = 5,       // varint length, bytes
  kTable = 6,        // new ref id; varint array count, items; u32 hash count, key/value pairs
  kTableMeta = 7,    // as kTable, followed by the metatable value
  kRef = 8,          // varint id of a table or function seen earlier in this message
  kFunction = 9,     // new ref id; bytecode string, varint nups, upvalues, varint nglobals, name/value pairs
  kNamed = 10,       // a standard library value by name ("print", "math.sin", "parlab.clock")
  kKind = 11,        // a registered shared-object kind: name string, payload string
  kSmallInt = 0x80,  // 0x80 + n for an integer 0 <= n < 128
};

using parlab::Piece;  // a run of a message's bytes (engine/core/pieces.hpp)

// How big an encoding or message buffer a sender or worker keeps warm for the next message: a fresh one
// costs more than the copy into it (glibc maps big blocks anew each time, and a fresh 4 KiB page costs
// ~11 us on the development VM: half a second for a 64 MiB message). Room for a 64 MiB message after a
// string's doubling growth; a bigger buffer is let go after use.
constexpr size_t kKeptBufferBytes = size_t(160) << 20;

// After a message: keeps `buffer`'s memory for the next one, unless it grew past kKeptBufferBytes.
inline void keep_warm(std::string& buffer) {
  if (buffer.capacity() > kKeptBufferBytes) std::string().swap(buffer);
}

// A string left where it is instead of copied into the Writer's buffer: its bytes belong at offset `at`
// of the buffer (after the length written there). The caller keeps the string alive until the pieces
// (pieces_of) have been copied.
struct Splice {
  size_t at;
  const char* data;
  size_t size;
};

// Appends to a std::string that is reserved up front and reused (no per-value reallocation churn).
class Writer {
 public:
  explicit Writer(size_t reserve = 64) { buf_.reserve(reserve); }
  // Adopts a buffer (cleared, capacity kept): callers reuse one buffer across messages.
  explicit Writer(std::string&& reuse) : buf_(std::move(reuse)) { buf_.clear(); }
  void u8(uint8_t b) { buf_.push_back(static_cast<char>(b)); }
  void varint(uint64_t v) {
    char tmp[10];
    size_t n = 0;
    while (v >= 0x80) {
      tmp[n++] = static_cast<char>((v & 0x7F) | 0x80);
      v >>= 7;
    }
    tmp[n++] = static_cast<char>(v);
    buf_.append(tmp, n);
  }
  void fixed64(uint64_t v) {
    char tmp[8];
    for (int i = 0; i < 8; ++i) tmp[i] = static_cast<char>(v >> (8 * i));
    buf_.append(tmp, 8);
  }
  void f64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    fixed64(bits);
  }
  void bytes(const char* p, size_t n) {
    varint(n);
    buf_.append(p, n);
  }
  // Strings of kSpliceBytes or more are only referenced, once splice_into has been called: a caller that
  // sends the message in pieces (a Queue's put) then copies a 64 MiB string once, into the queue, instead
  // of into this buffer first and into the queue again.
  static constexpr size_t kSpliceBytes = size_t(64) << 10;
  void splice_into(std::vector<Splice>* splices) {
    splices_ = splices;
    splices_->clear();
  }
  void string_bytes(const char* p, size_t n) {
    if (!splices_ || n < kSpliceBytes) return bytes(p, n);
    varint(n);
    splices_->push_back({buf_.size(), p, n});
  }
  // Copies the spliced strings into the buffer, which then holds the whole message (to sign it).
  void unsplice();
  // Reserves 4 bytes for a count known only later; patch_u32 fills them in.
  size_t placeholder_u32() {
    size_t at = buf_.size();
    buf_.append(4, '\0');
    return at;
  }
  void patch_u32(size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) buf_[at + i] = static_cast<char>(v >> (8 * i));
  }
  void patch_u8(size_t at, uint8_t v) { buf_[at] = static_cast<char>(v); }
  size_t size() const { return buf_.size(); }
  std::string& buffer() { return buf_; }
  std::string take() { return std::move(buf_); }

 private:
  std::string buf_;
  std::vector<Splice>* splices_ = nullptr;
};

// The pieces of a message whose buffer is `head` and whose spliced strings are `splices` (in order);
// `out` is cleared first. Empty pieces are left out.
void pieces_of(const std::string& head, const std::vector<Splice>& splices, std::vector<Piece>& out);

// Every read checks the remaining length first and throws parlab::Error rather than overrun.
class Reader {
 public:
  Reader(const char* data, size_t size) : p_(reinterpret_cast<const uint8_t*>(data)), end_(p_ + size) {}
  size_t left() const { return static_cast<size_t>(end_ - p_); }
  bool at_end() const { return p_ == end_; }
  uint8_t u8() {
    need(1);
    return *p_++;
  }
  uint64_t varint();
  uint32_t u32();
  uint64_t fixed64();
  double f64() {
    uint64_t bits = fixed64();
    double d;
    std::memcpy(&d, &bits, 8);
    return d;
  }
  // A length-prefixed byte string; the view points into the buffer.
  std::string_view bytes();
  // A count of items that each need at least `min_bytes` bytes: refuses counts the buffer cannot hold.
  uint64_t count(size_t min_bytes);

 private:
  void need(size_t n) const {
    if (left() < n) throw Error("transport: truncated message");
  }
  const uint8_t* p_;
  const uint8_t* end_;
};

inline uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
inline int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

// SipHash-2-4 of [data, data + size) under this process's key (see message_key).
uint64_t mac(const void* data, size_t size);

// The per-run 128-bit key: taken from PARLAB_TRANSPORT_KEY (32 hex digits) when set, otherwise drawn
// from getrandom() and exported to PARLAB_TRANSPORT_KEY so child processes inherit it. Threads share it.
// MPI ranks started by mpirun do not inherit it: rank 0 should broadcast key_hex() and others set_key_hex().
std::string key_hex();
// Sets the key and re-exports it. Call it at start-up, before other threads run (setenv is not
// thread-safe). Throws parlab::Error unless 32 hex digits.
void set_key_hex(const std::string& hex);

// Appends the MAC and sets the signed flag (flags byte at offset 2).
void sign(std::string& message);
// Checks the header and returns its flags; a signed message's MAC has been verified (the caller then
// ignores the last kMacSize bytes); throws on a bad header or a bad MAC.
uint8_t check_header(const char* data, size_t size);

}  // namespace parlab::wire
