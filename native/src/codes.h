// SPDX-License-Identifier: MIT
// The numeric codes of the kernel ABI, the native copy of src/kernels/wasm/codes.ts
// (test/unit/kernel-abi.test.ts checks that both define the same names and values). The addon
// reads element kinds from the typed arrays themselves; rounding modes arrive as these codes.
#pragma once

// Element kinds: what an element of an array argument is.
constexpr int KIND_I8 = 0;
constexpr int KIND_I16 = 1;
constexpr int KIND_I32 = 2;
constexpr int KIND_F32 = 3;
constexpr int KIND_F64 = 4;

// Rounding modes of the quantize kernels (formulas in src/quant/rounding.ts).
constexpr int ROUND_NEAREST = 0;
constexpr int ROUND_STOCHASTIC = 1;
constexpr int ROUND_FLOOR = 2;
constexpr int ROUND_NEAREST_EVEN = 3;

// lowbit's own float64 functions (float_fn_f64; src/kernels/ref/float-functions.ts).
constexpr int FN_EXP = 0;
constexpr int FN_SIGMOID = 1;
constexpr int FN_TANH = 2;
