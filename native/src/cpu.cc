// SPDX-License-Identifier: MIT
// CPU feature detection with cpuid and xgetbv: AVX2 + FMA, and AVX-512 F/BW/VL + VNNI, each
// only where the OS saves the wider registers (XCR0), so a kernel never faults on a CPU whose
// OS has not enabled them; AMX int8 tiles where, besides, Linux grants this process the tile
// data state (arch_prctl, once: the permission covers every thread of the process).

#include "cpu.h"

#include <string>

#include "amx.h"

#if defined(__x86_64__) || defined(_M_X64)
#include <cpuid.h>
#define LOWBIT_X86 1
#endif
#if defined(LOWBIT_AMX) && defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#define LOWBIT_AMX_LINUX 1
#endif

namespace {

struct Features {
  bool avx2 = false;
  bool avx512vnni = false;
  bool amx = false;
  std::string text;
};

#ifdef LOWBIT_X86
unsigned long long xcr0() {
  unsigned int lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<unsigned long long>(hi) << 32) | lo;
}
#endif

#ifdef LOWBIT_AMX_LINUX
/**
 * Asks Linux for the AMX tile data state (ARCH_REQ_XCOMP_PERM = 0x1023, XFEATURE_XTILEDATA =
 * 18): without it the first tile instruction faults. Refused (e.g. a signal stack too small
 * for the larger state): no AMX.
 */
bool grantTiles() { return syscall(SYS_arch_prctl, 0x1023, 18) == 0; }
#endif

Features detect() {
  Features f;
#ifdef LOWBIT_X86
  unsigned int a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool fma = c & (1u << 12);
  const bool osxsave = c & (1u << 27);
  const bool avx = c & (1u << 28);
  if (!osxsave || !avx) return f;
  const unsigned long long x = xcr0();
  const bool ymmState = (x & 0x6) == 0x6;    // XMM and YMM registers saved by the OS
  const bool zmmState = (x & 0xe6) == 0xe6;  // and opmask, ZMM_Hi256, Hi16_ZMM
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  const bool avx2 = b & (1u << 5);
  const bool avx512f = b & (1u << 16);
  const bool avx512bw = b & (1u << 30);
  const bool avx512vl = b & (1u << 31);
  const bool vnni = c & (1u << 11);
  f.avx2 = avx2 && fma && ymmState;
  f.avx512vnni = f.avx2 && avx512f && avx512bw && avx512vl && vnni && zmmState;
  // AMX-TILE and AMX-INT8 (cpuid 7.0 EDX bits 24, 25), XTILECFG and XTILEDATA in XCR0.
  const bool amxCpu = (d & (1u << 24)) && (d & (1u << 25)) && ((x >> 17) & 3) == 3;
#ifdef LOWBIT_AMX_LINUX
  f.amx = f.avx512vnni && amxCpu && grantTiles();
#endif
  if (f.avx2) f.text += "avx2 fma";
  if (avx512f && zmmState) f.text += " avx512f";
  if (avx512bw && zmmState) f.text += " avx512bw";
  if (vnni && zmmState) f.text += " avx512vnni";
  if (amxCpu) f.text += f.amx ? " amx-int8" : " amx-int8 (not granted or not built)";
  if (f.text.empty()) f.text = "no avx2";
#else
  f.text = "not x86-64";
#endif
  return f;
}

const Features& features() {
  static const Features f = detect();
  return f;
}

}  // namespace

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::Avx512Vnni:
      return "avx512vnni";
    case Isa::Avx512Amx:
      return "avx512amx";
    case Isa::Avx512VnniEmulated:
      return "avx512vnni-emulated";
    case Isa::Avx2:
      return "avx2";
    case Isa::Portable:
      return "portable";
  }
  return "portable";
}

bool isaSupported(Isa isa) {
  switch (isa) {
    case Isa::Avx512Vnni:
      return features().avx512vnni;
    case Isa::Avx512Amx:
      return features().amx;
    case Isa::Avx512VnniEmulated:
    case Isa::Avx2:
      return features().avx2;
    case Isa::Portable:
      return true;
  }
  return false;
}

const char* cpuFeatures() { return features().text.c_str(); }
