// SPDX-License-Identifier: MIT
// Included by files whose functions are compiled for a wider instruction set than the
// baseline (LOWBIT_TARGET, e.g. "avx2,fma"), after all their other includes, so that no
// header's inline function is compiled for it (the linker could otherwise pick that copy for
// baseline code). isa-end.h closes the region. Such files only define functions with internal
// linkage plus one table that the dispatcher reads after checking the CPU.
#if defined(__clang__)
#define LOWBIT_PRAGMA(x) _Pragma(#x)
#define LOWBIT_TARGET_PUSH(t) LOWBIT_PRAGMA(clang attribute push(__attribute__((target(t))), apply_to = function))
LOWBIT_TARGET_PUSH(LOWBIT_TARGET)
#elif defined(__GNUC__)
#pragma GCC push_options
#define LOWBIT_PRAGMA(x) _Pragma(#x)
#define LOWBIT_TARGET_PUSH(t) LOWBIT_PRAGMA(GCC target(t))
LOWBIT_TARGET_PUSH(LOWBIT_TARGET)
#endif
