// SPDX-License-Identifier: MIT
// lowbit's native kernels as a Node-API addon. Exports:
//   cpu()            { features, isas }: what this CPU runs, best instruction set first
//   kernels(isa)     the kernel functions for "avx512amx" (AVX-512 VNNI + AMX tiles),
//                    "avx512vnni", "avx2" or "portable" (an error if
//                    this CPU cannot run it); also "avx512vnni-emulated" (tests, see
//                    gemm-int-emulated.cc)
//   setThreads(n), threads()   the calling thread's pool size (results are the same for every n)
//   poolStats([on])            the pools' call counters; on: count from now or stop (profiling)
//   packPanel(...)   one integer GEMM panel packed by a chosen packer (tests, bind-pack.cc)

#include <napi.h>

#include <string>

#include "bindings.h"
#include "cpu.h"
#include "pool.h"

namespace {

/** Every instruction set, dispatch choices first (best first), then test-only ones. */
const Isa ALL[] = {Isa::Avx512Amx, Isa::Avx512Vnni, Isa::Avx2, Isa::Portable,
                   Isa::Avx512VnniEmulated};
constexpr int DISPATCH = 4;

Napi::Value cpu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("features", cpuFeatures());
  Napi::Array isas = Napi::Array::New(env);
  uint32_t n = 0;
  for (int i = 0; i < DISPATCH; i++)
    if (isaSupported(ALL[i])) isas.Set(n++, isaName(ALL[i]));
  o.Set("isas", isas);
  return o;
}

Napi::Value kernels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const std::string name = info.Length() > 0 && info[0].IsString()
                               ? info[0].As<Napi::String>().Utf8Value()
                               : std::string();
  for (const Isa& isa : ALL) {
    if (name != isaName(isa)) continue;
    if (!isaSupported(isa))
      throw Napi::Error::New(env, "this CPU cannot run the " + name + " kernels (it has: " +
                                      cpuFeatures() + ")");
    Napi::Object o = Napi::Object::New(env);
    o.Set("isa", name);
    addGemmBindings(env, o, &isa);
    addElemBindings(env, o, &isa);
    addNormBindings(env, o, &isa);
    addLstmBindings(env, o, &isa);
    addConvertBindings(env, o);
    addFloatPassBindings(env, o);
    addSoftmaxBindings(env, o);
    addLayernormBindings(env, o);
    return o;
  }
  throw Napi::TypeError::New(env, "unknown instruction set \"" + name +
                                      "\": use avx512amx, avx512vnni, avx2 or portable");
}

Napi::Value setThreads(const Napi::CallbackInfo& info) {
  const double n = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>() : 0.0;
  if (!(n >= 1 && n <= 256 && n == static_cast<int>(n)))
    throw Napi::RangeError::New(info.Env(),
                                "threads=" + std::to_string(n) +
                                    ": the thread count must be an integer from 1 to 256");
  pool::setThreads(static_cast<int>(n));
  return info.Env().Undefined();
}

Napi::Value threads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), pool::threads());
}

Napi::Value poolStats(const Napi::CallbackInfo& info) {
  if (info.Length() > 0 && info[0].IsBoolean())
    pool::countStats(info[0].As<Napi::Boolean>().Value());
  const pool::Stats s = pool::stats();
  Napi::Object o = Napi::Object::New(info.Env());
  const auto put = [&](const char* k, uint64_t v) {
    o.Set(k, Napi::Number::New(info.Env(), static_cast<double>(v)));
  };
  put("calls", s.calls);
  put("tasks", s.tasks);
  put("workerTasks", s.workerTasks);
  put("workerJobs", s.workerJobs);
  put("missed", s.missed);
  put("slept", s.slept);
  put("pickupNs", s.pickupNs);
  put("waitNs", s.waitNs);
  put("split", s.split);
  put("splitNs", s.splitNs);
  return o;
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("cpu", Napi::Function::New(env, cpu, "cpu"));
  exports.Set("kernels", Napi::Function::New(env, kernels, "kernels"));
  exports.Set("setThreads", Napi::Function::New(env, setThreads, "setThreads"));
  // Each JavaScript thread loads the addon into its own environment and has its own pool:
  // stop that pool's workers when the environment (a finished worker thread) goes away.
  napi_add_env_cleanup_hook(env, [](void*) { pool::release(); }, nullptr);
  exports.Set("threads", Napi::Function::New(env, threads, "threads"));
  exports.Set("poolStats", Napi::Function::New(env, poolStats, "poolStats"));
  addPackBinding(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(lowbit_native, init)
