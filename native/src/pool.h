// SPDX-License-Identifier: MIT
// A small thread pool: n - 1 workers plus the calling thread run the tasks of one kernel
// call. Kernels split their work into tasks whose results do not depend on which thread runs
// them, or on how many threads there are, so every thread count gives the same bits.
#pragma once

namespace pool {

/** Sets the thread count (1 = the calling thread only; workers stop). */
void setThreads(int n);
/** The thread count in use. */
int threads();
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

}  // namespace pool
