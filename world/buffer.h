// Reusable buffers of the round's hot path (the market solver's workspace, each market's scratch).
// They are kept between rounds so that a round allocates nothing once warmed up (reesim bench --check).
#pragma once

#include <cstddef>
#include <type_traits>
#include <vector>

namespace reesim::world {

// Sizes a buffer to n elements of `value`. A buffer that must grow takes twice what it needs:
// markets grow over a run (demand growth, plants that restart), and exact-size growth would allocate
// every time a round's network is the largest yet, where the round is meant to be allocation-free
// after warm-up (reesim bench --check).
template <typename T>
void AssignWithHeadroom(std::vector<T>& buffer, std::size_t n, const std::type_identity_t<T>& value) {
  if (buffer.capacity() < n) buffer.reserve(2 * n);
  buffer.assign(n, value);
}
template <typename T>
void ResizeWithHeadroom(std::vector<T>& buffer, std::size_t n) {
  if (buffer.capacity() < n) buffer.reserve(2 * n);
  buffer.resize(n);
}
template <typename T>
void ReserveWithHeadroom(std::vector<T>& buffer, std::size_t n) {
  if (buffer.capacity() < n) buffer.reserve(2 * n);
}

}  // namespace reesim::world
