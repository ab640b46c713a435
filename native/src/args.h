// SPDX-License-Identifier: MIT
// Reading a kernel call's arguments: typed arrays (their elements in place, no copy), sizes,
// numbers and flags, each checked, with errors that name the kernel and the argument.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

#include "kernels.h"

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* kernel) : info_(info), kernel_(kernel) {}

  Napi::Env env() const { return info_.Env(); }

  /** A typed array argument (any element type this addon knows). */
  View array(size_t i, const char* what) const;
  /** A typed array argument, or null (p == nullptr, n == 0). */
  View arrayOrNull(size_t i, const char* what) const;
  /** An integer >= 0. */
  int64_t size(size_t i, const char* what) const;
  /** Any integer. */
  int64_t integer(size_t i, const char* what) const;
  double number(size_t i, const char* what) const;
  bool flag(size_t i) const;

  /** Throws RangeError "<kernel>: <message>". */
  [[noreturn]] void rangeError(const std::string& message) const;
  /** Throws TypeError "<kernel>: <message>". */
  [[noreturn]] void typeError(const std::string& message) const;
  /** Checks that `v` holds at least `need` elements: "<what> needs N elements, got M". */
  void need(const View& v, int64_t need, const std::string& what) const;

 private:
  napi_value at(size_t i) const;
  const Napi::CallbackInfo& info_;
  const char* kernel_;
};

/**
 * The conv geometry, argument 0: a Float64Array of 12 sizes [N, C, H, W, KH, KW, strideH,
 * strideW, padH, padW, OH, OW] (integers >= 0, strides >= 1) into g.
 */
void readGeom(const Args& a, int64_t* g);

/** "Int8Array", "Float64Array", ... */
const char* kindName(Kind k);
