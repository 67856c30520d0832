#pragma once
// A message in pieces (writev's iovec): a sender that copies a message once, into shared memory, takes it
// as its runs of bytes, so that a big string is copied from where it lies instead of being gathered into
// an encoding buffer first (engine/transport's splicing; a Queue's put).
#include <cstddef>
#include <cstring>

namespace parlab {

struct Piece {
  const char* data;
  std::size_t size;
};

inline std::size_t total_size(const Piece* pieces, std::size_t count) noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < count; ++i) n += pieces[i].size;
  return n;
}

// Copies the pieces, one after another, to dst (which holds total_size bytes).
inline void copy_pieces(char* dst, const Piece* pieces, std::size_t count) noexcept {
  for (std::size_t i = 0; i < count; ++i) {
    if (pieces[i].size) std::memcpy(dst, pieces[i].data, pieces[i].size);
    dst += pieces[i].size;
  }
}

}  // namespace parlab
