// SPDX-License-Identifier: MIT
// The thread pools: one per calling thread. Each JavaScript thread that calls kernels (the
// main thread, each worker thread of a run list) has its own workers and thread count, so
// runs training side by side in one process never wait for each other's kernel calls (one
// shared pool serialised them: two ResNet-20 runs in worker threads each stepped ~1.5x
// slower than alone, with a core idle in the gaps).
// Workers sleep on a condition variable between calls. A call publishes a job (its task
// function and counters) under a new generation number; each participant, the caller
// included, runs its own contiguous block of task indices first (taken one at a time from the
// block's atomic counter), then helps with what is left of the others' blocks, and the caller
// waits until the last task is done. A worker that wakes late holds its own reference to the
// job and finds no task left. Own blocks first keep data on one core from call to call:
// kernels split a tensor the same way each time, and on the 2-core AMD EPYC (Zen 5) VM
// measured, one core read data the other had just written at ~30 GB/s, against 90-150 GB/s
// from its own caches (ResNet-20 fixed8, 2 threads: quantize 4.6 -> 3.1 ms a step).
// Workers spin briefly before sleeping: a training step makes many calls in quick succession.

#include "pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define LOWBIT_PAUSE() _mm_pause()
#else
#define LOWBIT_PAUSE() std::this_thread::yield()
#endif

namespace pool {
namespace {

/** Spins of a thread waiting for work or for the last task before it sleeps (tens of µs). */
constexpr int SPIN = 4000;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/**
 * LOWBIT_POOL_SPIN_US=n: spin n µs by the clock instead of SPIN pauses (a pause took 18-100 ns
 * on the 2-vCPU VM measured, so SPIN is 70-400 µs there, while ResNet-20's threaded calls come
 * ~0.4 ms apart). For comparing settings on a quiet machine (bench step-profile --backend
 * native prints the worker's share of tasks and its pick-ups). On the shared VM at load 6
 * n = 1000 did worse than the default (the worker ran 14-27% of the tasks, against 45-47%):
 * a thread that spins uses up its share of the CPU, one that slept is run first when woken.
 * -1: unset.
 */
int64_t spinNs() {
  static const int64_t ns = [] {
    const char* v = std::getenv("LOWBIT_POOL_SPIN_US");
    if (!v || !*v) return int64_t(-1);
    const long long us = std::strtoll(v, nullptr, 10);
    return us < 0 ? int64_t(-1) : static_cast<int64_t>(std::min<long long>(us, 100000)) * 1000;
  }();
  return ns;
}

/** Spins until ready() or the spin budget is spent; whether ready(). */
template <class R>
bool spin(R&& ready) {
  const int64_t budget = spinNs();
  if (budget < 0) {
    for (int i = 0; i < SPIN; i++) {
      if (ready()) return true;
      LOWBIT_PAUSE();
    }
    return ready();
  }
  const int64_t t0 = nowNs();
  for (int i = 1;; i++) {
    if (ready()) return true;
    LOWBIT_PAUSE();
    // A clock read costs about as much as a pause: one every 16.
    if ((i & 15) == 0 && nowNs() - t0 > budget) return ready();
  }
}

/** Most participants of a job (the calling thread and its workers) given blocks of their own. */
constexpr int MAX_PARTS = 64;

struct Job {
  void (*fn)(void*, int);
  void* ctx;
  int tasks;
  /** Participants: the calling thread is 0, worker i is i + 1. Participant p owns tasks
   * [p * tasks / parts, (p + 1) * tasks / parts) and runs them first, then takes what is left
   * of the others' blocks. Kernels split a tensor the same way call after call, so the same
   * thread tends to touch the same rows: data a core wrote is read back from its own cache
   * (read from the other core's, it came at ~30 GB/s against ~90-150 here). */
  int parts;
  std::atomic<int> next[MAX_PARTS];
  std::atomic<int> done{0};
  /** steady_clock ns when published (0 unless the statistics are on). */
  int64_t publishedNs = 0;
};

/** The statistics of every pool in the process (profiling only: off by default). */
std::atomic<bool> statsOn{false};
std::atomic<uint64_t> statCalls{0}, statTasks{0}, statWorkerTasks{0}, statWorkerJobs{0},
    statMissed{0}, statSlept{0}, statPickupNs{0}, statWaitNs{0}, statSplit{0}, statSplitNs{0};

struct State {
  std::mutex mu;
  std::condition_variable wake;
  std::condition_variable finished;
  std::vector<std::thread> workers;
  std::shared_ptr<Job> job;
  std::atomic<uint64_t> generation{0};
  bool stop = false;
  // One call at a time (a pool belongs to one calling thread; this guards the rest).
  std::mutex callMu;
};

/**
 * The calling thread's pool. Never destroyed (workers may outlive thread-local and static
 * destructors); release() stops its workers when the thread's JavaScript environment ends.
 * A pool worker that called a kernel would get a pool of its own with no workers: it runs
 * the tasks itself.
 */
State& state() {
  thread_local State* s = new State();
  return *s;
}

/** The end of participant p's block of tasks. */
inline int blockEnd(const Job& j, int p) {
  return static_cast<int>(static_cast<int64_t>(p + 1) * j.tasks / j.parts);
}

/** Runs participant `self`'s block of `j`, then what is left of the others'; returns how many
 * tasks this thread ran. */
int drain(Job& j, int self) {
  int ran = 0;
  const int parts = j.parts;
  for (int k = 0; k < parts; k++) {
    const int p = (self + k) % parts;
    const int end = blockEnd(j, p);
    for (;;) {
      if (j.next[p].load(std::memory_order_relaxed) >= end) break;
      const int t = j.next[p].fetch_add(1, std::memory_order_acq_rel);
      if (t >= end) break;
      j.fn(j.ctx, t);
      ran++;
    }
  }
  return ran;
}

void workerLoop(State* pool, int self) {
  State& s = *pool;
  uint64_t seen = s.generation.load(std::memory_order_acquire);
  for (;;) {
    const bool slept =
        !spin([&] { return s.generation.load(std::memory_order_acquire) != seen; });
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(s.mu);
      s.wake.wait(lock, [&] {
        return s.stop || s.generation.load(std::memory_order_acquire) != seen;
      });
      if (s.stop) return;
      seen = s.generation.load(std::memory_order_acquire);
      job = s.job;
    }
    if (!job) continue;
    const int64_t picked = job->publishedNs ? nowNs() : 0;
    const int ran = drain(*job, self < job->parts ? self : self % job->parts);
    if (picked) {
      statPickupNs.fetch_add(picked - job->publishedNs, std::memory_order_relaxed);
      statWorkerJobs.fetch_add(1, std::memory_order_relaxed);
      statWorkerTasks.fetch_add(ran, std::memory_order_relaxed);
      if (slept) statSlept.fetch_add(1, std::memory_order_relaxed);
    }
    if (ran > 0 && job->done.fetch_add(ran, std::memory_order_acq_rel) + ran == job->tasks) {
      std::lock_guard<std::mutex> lock(s.mu);
      s.finished.notify_all();
    }
  }
}

void stopWorkers(State& s) {
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.stop = true;
  }
  s.wake.notify_all();
  for (auto& w : s.workers) w.join();
  s.workers.clear();
  s.stop = false;
}

}  // namespace

void setThreads(int n) {
  State& s = state();
  std::lock_guard<std::mutex> call(s.callMu);
  if (n < 1) n = 1;
  if (static_cast<int>(s.workers.size()) == n - 1) return;
  stopWorkers(s);
  for (int i = 0; i < n - 1; i++) s.workers.emplace_back(workerLoop, &s, i + 1);
}

void release() {
  State& s = state();
  std::lock_guard<std::mutex> call(s.callMu);
  stopWorkers(s);
}

int threads() { return static_cast<int>(state().workers.size()) + 1; }

namespace {

void runJob(int tasks, void (*fn)(void*, int), void* ctx) {
  State& s = state();
  if (tasks == 1 || s.workers.empty()) {
    for (int t = 0; t < tasks; t++) fn(ctx, t);
    return;
  }
  std::lock_guard<std::mutex> call(s.callMu);
  auto job = std::make_shared<Job>();
  job->fn = fn;
  job->ctx = ctx;
  job->tasks = tasks;
  job->parts = std::min<int>({static_cast<int>(s.workers.size()) + 1, tasks, MAX_PARTS});
  for (int p = 0; p < job->parts; p++)
    job->next[p].store(static_cast<int>(static_cast<int64_t>(p) * tasks / job->parts),
                       std::memory_order_relaxed);
  const bool stats = statsOn.load(std::memory_order_relaxed);
  if (stats) job->publishedNs = nowNs();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.job = job;
    s.generation.fetch_add(1, std::memory_order_acq_rel);
  }
  s.wake.notify_all();
  const int ran = drain(*job, 0);
  const int64_t drained = stats ? nowNs() : 0;
  if (stats) {
    statCalls.fetch_add(1, std::memory_order_relaxed);
    statTasks.fetch_add(tasks, std::memory_order_relaxed);
    if (ran == tasks) statMissed.fetch_add(1, std::memory_order_relaxed);
  }
  if (job->done.fetch_add(ran, std::memory_order_acq_rel) + ran != tasks) {
    spin([&] { return job->done.load(std::memory_order_acquire) == tasks; });
    std::unique_lock<std::mutex> lock(s.mu);
    s.finished.wait(lock, [&] { return job->done.load(std::memory_order_acquire) == tasks; });
  }
  if (stats) statWaitNs.fetch_add(nowNs() - drained, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(s.mu);
  s.job.reset();
}

}  // namespace

void runRaw(int tasks, void (*fn)(void*, int), void* ctx) {
  if (tasks <= 0) return;
  if (tasks == 1 || !statsOn.load(std::memory_order_relaxed)) return runJob(tasks, fn, ctx);
  const int64_t t0 = nowNs();
  runJob(tasks, fn, ctx);
  statSplit.fetch_add(1, std::memory_order_relaxed);
  statSplitNs.fetch_add(nowNs() - t0, std::memory_order_relaxed);
}

void countStats(bool on) { statsOn.store(on, std::memory_order_relaxed); }

Stats stats() {
  const auto g = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return {g(statCalls),  g(statTasks),    g(statWorkerTasks), g(statWorkerJobs), g(statMissed),
          g(statSlept),  g(statPickupNs), g(statWaitNs),      g(statSplit),      g(statSplitNs)};
}

}  // namespace pool
