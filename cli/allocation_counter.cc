// Counts heap allocations for `reesim bench` (allocations per round): the program's global operator
// new, forwarding to malloc. Only the reesim executable links this file. The count is per thread: one
// counter shared by all threads would be a cache line every allocation of every worker fights over.
#include <cstdint>
#include <cstdlib>
#include <new>

namespace {
thread_local std::uint64_t allocations = 0;
}

namespace reesim::cli {
// The allocations made so far on the calling thread.
std::uint64_t AllocationCount() { return allocations; }
}  // namespace reesim::cli

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
