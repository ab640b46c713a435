// SPDX-License-Identifier: MIT
// Closes the region opened by isa-begin.h.
#if defined(__clang__)
#pragma clang attribute pop
#elif defined(__GNUC__)
#pragma GCC pop_options
#endif
#undef LOWBIT_TARGET_PUSH
#undef LOWBIT_PRAGMA
