// SPDX-License-Identifier: MIT
// The instruction sets the kernels dispatch on, and what this CPU (and its OS) supports.
#pragma once

enum class Isa {
  Portable = 0,
  Avx2 = 1,
  Avx512Vnni = 2,
  /** The AVX-512 VNNI integer path with a scalar microkernel, for tests (runs on AVX2). */
  Avx512VnniEmulated = 3,
};

/** "portable", "avx2", "avx512vnni" or "avx512vnni-emulated". */
const char* isaName(Isa isa);
/** Whether this CPU and OS can run kernels of `isa` (AVX state enabled by the OS included). */
bool isaSupported(Isa isa);
/** The CPU's features that matter here, e.g. "avx2 fma" (for messages). */
const char* cpuFeatures();
