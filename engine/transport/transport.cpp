#include "engine/transport/transport.hpp"

#include <sys/random.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace parlab::wire {

uint64_t Reader::varint() {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    uint8_t b = u8();
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      if (shift == 63 && b > 1) break;  // an 11th significant bit past 64
      return v;
    }
  }
  throw Error("transport: malformed varint");
}

uint32_t Reader::u32() {
  need(4);
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(p_[i]) << (8 * i);
  p_ += 4;
  return v;
}

uint64_t Reader::fixed64() {
  need(8);
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(p_[i]) << (8 * i);
  p_ += 8;
  return v;
}

std::string_view Reader::bytes() {
  uint64_t n = varint();
  if (n > left()) throw Error("transport: truncated message (string longer than the buffer)");
  std::string_view s(reinterpret_cast<const char*>(p_), static_cast<size_t>(n));
  p_ += n;
  return s;
}

uint64_t Reader::count(size_t min_bytes) {
  uint64_t n = varint();
  if (n > left() / min_bytes) throw Error("transport: malformed message (count larger than the buffer)");
  return n;
}

namespace {

std::atomic<uint64_t> key0{0}, key1{0};

inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  uint64_t v0, v1, v2, v3;
  void round() {
    v0 += v1;
    v1 = rotl(v1, 13);
    v1 ^= v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = rotl(v1, 17);
    v1 ^= v2;
    v2 = rotl(v2, 32);
  }
  void absorb(uint64_t m) {
    v3 ^= m;
    round();
    round();
    v0 ^= m;
  }
};

uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

bool parse_hex(const char* s, uint64_t& a, uint64_t& b) {
  if (!s || std::strlen(s) != 32) return false;
  uint64_t parts[2] = {0, 0};
  for (int i = 0; i < 32; ++i) {
    char c = s[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0) return false;
    parts[i / 16] = (parts[i / 16] << 4) | static_cast<uint64_t>(d);
  }
  a = parts[0];
  b = parts[1];
  return true;
}

// Runs before main (single-threaded), so setenv cannot race with threads reading the environment.
struct KeyInit {
  KeyInit() {
    uint64_t a, b;
    if (parse_hex(std::getenv("PARLAB_TRANSPORT_KEY"), a, b)) {
      key0 = a;
      key1 = b;
      return;
    }
    uint64_t k[2] = {0, 0};
    if (getrandom(k, sizeof k, 0) != static_cast<ssize_t>(sizeof k)) std::abort();
    key0 = k[0];
    key1 = k[1];
    setenv("PARLAB_TRANSPORT_KEY", key_hex().c_str(), 1);
  }
} key_init;

}  // namespace

uint64_t mac(const void* data, size_t size) {
  const uint64_t k0 = key0.load(std::memory_order_relaxed), k1 = key1.load(std::memory_order_relaxed);
  SipState s{k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL, k0 ^ 0x6c7967656e657261ULL,
             k1 ^ 0x7465646279746573ULL};
  const auto* p = static_cast<const uint8_t*>(data);
  size_t full = size & ~size_t{7};
  for (size_t i = 0; i < full; i += 8) s.absorb(load_le(p + i, 8));
  s.absorb((static_cast<uint64_t>(size) << 56) | load_le(p + full, size - full));
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

std::string key_hex() {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(key0.load()),
                static_cast<unsigned long long>(key1.load()));
  return buf;
}

void set_key_hex(const std::string& hex) {
  uint64_t a, b;
  if (!parse_hex(hex.c_str(), a, b)) throw Error("transport: a key is 32 hex digits");
  key0 = a;
  key1 = b;
  setenv("PARLAB_TRANSPORT_KEY", key_hex().c_str(), 1);  // children started later inherit it
}

void Writer::unsplice() {
  if (!splices_ || splices_->empty()) return;
  std::string whole;
  size_t total = buf_.size();
  for (const Splice& s : *splices_) total += s.size;
  whole.reserve(total);
  size_t from = 0;
  for (const Splice& s : *splices_) {
    whole.append(buf_, from, s.at - from);
    whole.append(s.data, s.size);
    from = s.at;
  }
  whole.append(buf_, from, std::string::npos);
  buf_.swap(whole);
  splices_->clear();
}

void pieces_of(const std::string& head, const std::vector<Splice>& splices, std::vector<Piece>& out) {
  out.clear();
  size_t from = 0;
  for (const Splice& s : splices) {
    if (s.at > from) out.push_back({head.data() + from, s.at - from});
    if (s.size > 0) out.push_back({s.data, s.size});
    from = s.at;
  }
  if (head.size() > from) out.push_back({head.data() + from, head.size() - from});
}

void sign(std::string& message) {
  message[2] = static_cast<char>(message[2] | kSigned);
  uint64_t m = mac(message.data(), message.size());
  char tmp[8];
  for (int i = 0; i < 8; ++i) tmp[i] = static_cast<char>(m >> (8 * i));
  message.append(tmp, 8);
}

uint8_t check_header(const char* data, size_t size) {
  if (size < kHeaderSize) throw Error("transport: truncated message");
  const auto* p = reinterpret_cast<const uint8_t*>(data);
  if (p[0] != kMagic) throw Error("transport: not a parlab message (bad magic byte)");
  if (p[1] != kVersion) throw Error("transport: unsupported message version");
  if (p[2] & ~(kSigned | kHasRefs)) throw Error("transport: malformed message (unknown flags)");
  if (!(p[2] & kSigned)) return p[2];
  if (size < kHeaderSize + kMacSize) throw Error("transport: truncated message");
  uint64_t want = mac(data, size - kMacSize);
  if (load_le(p + size - kMacSize, 8) != want)
    throw Error("transport: message carries code but its key check failed (forged or from another run)");
  return p[2];
}

}  // namespace parlab::wire
