// SPDX-License-Identifier: MIT
// packPanel(packer, operand, G, mode, width, src, kMajor, ld, r0, rows, k0, kc, out, colsum):
// packs one integer GEMM panel with the "avx2" or "portable" packer, so tests can check that
// the vector packers write exactly the portable bytes (pack.h) on ragged panels, including
// the AVX-512 VNNI layouts (G = 4, a + 128) this CPU may not run.

#include <string>

#include "args.h"
#include "bindings.h"
#include "cpu.h"
#include "pack.h"

namespace {

Napi::Value packPanelBinding(const Napi::CallbackInfo& info) {
  const Args a(info, "packPanel");
  const std::string packer = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  const std::string operand = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  const int64_t G = a.size(2, "G"), mode = a.size(3, "mode"), width = a.size(4, "width");
  const View src = a.array(5, "src");
  const bool kMajor = a.flag(6);
  const int64_t ld = a.size(7, "ld"), r0 = a.size(8, "r0"), rows = a.size(9, "rows");
  const int64_t k0 = a.size(10, "k0"), kc = a.size(11, "kc");
  const View out = a.array(12, "out"), colsum = a.arrayOrNull(13, "colsum");
  if (packer != "avx2" && packer != "portable") a.typeError("packer must be avx2 or portable");
  if (packer == "avx2" && !isaSupported(Isa::Avx2)) a.rangeError("this CPU has no AVX2");
  if (operand != "A" && operand != "B") a.typeError("operand must be A or B");
  if (G != 2 && G != 4) a.rangeError("G must be 2 or 4");
  if (mode > 3) a.rangeError("mode must be 0..3 (plain, hi, lo, u8)");
  if (src.kind != Kind::I8 && src.kind != Kind::I16) a.typeError("src must be int8 or int16");
  if (G == 4 && src.kind != Kind::I8) a.typeError("G = 4 packs int8 operands");
  if (rows > width || width < 1 || width > 64) a.rangeError("need 1 <= rows <= width <= 64");
  // The panel reads rows r0..r0+rows, depth k0..k0+kc of a matrix with leading dimension ld.
  const int64_t lastR = r0 + (rows > 0 ? rows : 1) - 1, lastK = k0 + (kc > 0 ? kc : 1) - 1;
  const int64_t last = kMajor ? lastK * ld + lastR : lastR * ld + lastK;
  if ((kMajor ? lastR >= ld : lastK >= ld) || (rows > 0 && kc > 0 && last >= src.n))
    a.rangeError("the panel reaches past src");
  const int64_t groups = (kc + G - 1) / G;
  if (out.kind != Kind::U8 || out.n < groups * width * 4) a.rangeError("out is too small");
  if (colsum.p && (colsum.kind != Kind::I32 || colsum.n < width))
    a.rangeError("colsum must be an Int32Array(width)");
  const PanelSrc s{src.p, src.kind == Kind::I8 ? 1 : 2, kMajor, ld, r0, static_cast<int>(rows),
                   k0, kc};
  uint8_t* o = static_cast<uint8_t*>(out.p);
  int32_t* cs = static_cast<int32_t*>(colsum.p);
  const int w = static_cast<int>(width), g = static_cast<int>(G);
  const PackMode m = static_cast<PackMode>(mode);
  if (operand == "A") {
    if (packer == "avx2") packAAvx2(s, w, g, m, o);
    else packAPortable(s, w, g, m, o);
  } else {
    if (packer == "avx2") packBAvx2(s, w, g, o, cs);
    else packBPortable(s, w, g, o, cs);
  }
  return info.Env().Undefined();
}

}  // namespace

void addPackBinding(Napi::Env env, Napi::Object target) {
  target.Set("packPanel", Napi::Function::New(env, packPanelBinding, "packPanel"));
}
