// SPDX-License-Identifier: MIT
// Short byte copies inline: memory.copy is a runtime call in V8, costly per row of a small
// image; these stay in the kernel (no bytes written past dst + n, none read past src + n).

/** Copies n bytes from src to dst (non-overlapping). */
export function copyBytes(dst: usize, src: usize, n: usize): void {
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) v128.store(dst + i, v128.load(src + i));
  if (i + 8 <= n) {
    store<u64>(dst + i, load<u64>(src + i));
    i += 8;
  }
  if (i + 4 <= n) {
    store<u32>(dst + i, load<u32>(src + i));
    i += 4;
  }
  for (; i < n; i++) store<u8>(dst + i, load<u8>(src + i));
}

/** Zeroes n bytes at p. */
export function zeroBytes(p: usize, n: usize): void {
  const z = i32x4.splat(0);
  let i: usize = 0;
  for (; i + 16 <= n; i += 16) v128.store(p + i, z);
  for (; i < n; i++) store<u8>(p + i, 0);
}
