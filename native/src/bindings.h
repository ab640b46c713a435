// SPDX-License-Identifier: MIT
// The kernel functions JavaScript calls: each reads and checks its arguments (args.h), then
// runs the kernel of the instruction set its function object was made for (Napi data).
#pragma once

#include <napi.h>

#include "cpu.h"

/** Adds the kernel functions of `isa` to `target`. */
void addGemmBindings(Napi::Env env, Napi::Object target, const Isa* isa);
void addElemBindings(Napi::Env env, Napi::Object target, const Isa* isa);
/** BatchNorm, scaled add, min/max and flag quantization (bind-norm.cc). */
void addNormBindings(Napi::Env env, Napi::Object target, const Isa* isa);
/** The float-path LSTM step, its backward and float_fn_f64 (bind-lstm.cc). */
void addLstmBindings(Napi::Env env, Napi::Object target, const Isa* isa);
/** countAbsAtLeast, scaleToF32 (bind-convert.cc): one portable loop for every instruction set. */
void addConvertBindings(Napi::Env env, Napi::Object target);
/** Adam, axpy_f64, sum_rows_f64, average pooling (bind-float-passes.cc): portable loops. */
void addFloatPassBindings(Napi::Env env, Napi::Object target);
/** Attention's integer softmax and its backward (bind-softmax.cc). */
void addSoftmaxBindings(Napi::Env env, Napi::Object target);
/** LayerNorm's forward and backward (bind-layernorm.cc): portable loops. */
void addLayernormBindings(Napi::Env env, Napi::Object target);
/** Adds packPanel(...) (tests compare the vector packers with the portable one). */
void addPackBinding(Napi::Env env, Napi::Object target);
