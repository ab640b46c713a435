// SPDX-License-Identifier: MIT
// LOWBIT_AMX: defined where this compiler (and so its assembler) knows the AMX tile
// instructions (GCC 11+, clang 12+ ship their intrinsics headers), so the AMX kernels and
// their detection are built; elsewhere Isa::Avx512Amx is never reported.
#pragma once

#if (defined(__x86_64__) || defined(_M_X64)) && defined(__GNUC__) && defined(__has_include)
#if __has_include(<amxtileintrin.h>) || __has_include(<amxintrin.h>)
#define LOWBIT_AMX 1
#endif
#endif
