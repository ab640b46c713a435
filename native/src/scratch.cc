// SPDX-License-Identifier: MIT
// Per-thread scratch memory (see scratch.h).

#include "scratch.h"

#include <cstdlib>
#include <new>

namespace {

struct Buffers {
  void* p[static_cast<int>(Slot::Count)] = {};
  size_t size[static_cast<int>(Slot::Count)] = {};
  ~Buffers() {
    for (void* q : p) std::free(q);
  }
};

thread_local Buffers buffers;

}  // namespace

void* scratch(Slot slot, size_t bytes) {
  const int s = static_cast<int>(slot);
  if (buffers.size[s] < bytes) {
    std::free(buffers.p[s]);
    // Half again as much, so a slowly rising size does not reallocate on every call.
    size_t want = bytes + bytes / 2;
    want = (want + 63) & ~static_cast<size_t>(63);
    buffers.p[s] = std::aligned_alloc(64, want);
    if (!buffers.p[s]) {
      buffers.size[s] = 0;
      throw std::bad_alloc();
    }
    buffers.size[s] = want;
  }
  return buffers.p[s];
}
