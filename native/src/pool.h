// SPDX-License-Identifier: MIT
// A small thread pool per calling thread: n - 1 workers plus the calling thread run the
// tasks of one kernel call; each thread that calls kernels sets its own n. Kernels split their work into tasks whose results do not depend on which thread runs
// them, or on how many threads there are, so every thread count gives the same bits.
#pragma once

#include <cstdint>

namespace pool {

/** Sets the calling thread's thread count (1 = the calling thread only; workers stop). */
void setThreads(int n);
/** The calling thread's thread count. */
int threads();
/** Stops the calling thread's workers (its JavaScript environment is ending). */
void release();
/**
 * Counters of every pool in the process since it started, counted while on (profiling: off by
 * default, so the hot path reads no clock). Calls: runs with several tasks and workers.
 */
struct Stats {
  uint64_t calls, tasks;
  /** Tasks the workers ran, and jobs a worker picked up (late ones find no task left). */
  uint64_t workerTasks, workerJobs;
  /** Calls whose tasks the calling thread ran all alone; pick-ups after sleeping. */
  uint64_t missed, slept;
  /** Sum over pick-ups of ns from publishing to a worker's pick-up; the calling thread's ns
   * waiting for the workers after its own tasks. */
  uint64_t pickupNs, waitNs;
  /** Runs of several tasks, with workers or not, and their wall ns: the share of a step the
   * pool can split (at 1 thread, what is left is serial). */
  uint64_t split, splitNs;
};
/** Turns the counters on or off. */
void countStats(bool on);
Stats stats();

/**
 * Runs fn(ctx, t) for t in [0, tasks): on the workers and the calling thread when `tasks` > 1
 * and there are workers; returns when all are done. Tasks must not throw.
 */
void runRaw(int tasks, void (*fn)(void* ctx, int t), void* ctx);

/**
 * runRaw over a callable. A plain function pointer crosses into the pool, so files compiled
 * for other instruction sets share no inline library code with it.
 */
template <class F>
inline void run(int tasks, F&& f) {
  auto* p = &f;
  runRaw(tasks, [](void* c, int t) { (*static_cast<decltype(p)>(c))(t); }, p);
}

/** Elements per task when a kernel splits its work over threads. */
constexpr int64_t CHUNK = int64_t(1) << 16;

/** Rows (planes, channels) per task when each holds `size` elements. */
inline int64_t perTask(int64_t size) { return size >= CHUNK ? 1 : CHUNK / (size > 0 ? size : 1); }

/** Runs body(i0, i1) over [0, n) in chunks of `chunk`, on the pool when there are several. */
template <class F>
inline void chunked(int64_t n, int64_t chunk, F&& body) {
  if (n <= chunk) {
    body(int64_t(0), n);
    return;
  }
  const int tasks = static_cast<int>((n + chunk - 1) / chunk);
  run(tasks, [&](int t) {
    const int64_t a = t * chunk;
    body(a, a + chunk < n ? a + chunk : n);
  });
}

}  // namespace pool
