// SPDX-License-Identifier: MIT
// The geometry of shapes32's 10 classes (SHAPES32_CLASSES in shapes32.ts, same order): per image,
// a centre, a rotation and a signed depth function, drawn from the image's generator in a fixed
// order (the sets' images depend on it bit for bit).

import type { Rng } from '../quant/rng.js';

/** Uniform in [a, b). */
export function uni(rng: Rng, a: number, b: number): number {
  return a + (b - a) * rng.nextFloat();
}

/**
 * Per-image shape parameters; `inside(u, v)` is a signed "depth" in pixels (> 0 inside) in
 * coordinates centred on the shape and rotated by its angle, so edges can be anti-aliased.
 */
export function shapeFn(
  cls: number,
  rng: Rng,
): { cx: number; cy: number; rot: number; inside: (u: number, v: number) => number } {
  const cx = uni(rng, 10, 22);
  const cy = uni(rng, 10, 22);
  const small = (a: number): number => uni(rng, -a, a);
  switch (cls) {
    case 0: {
      const r = uni(rng, 4, 9);
      return { cx, cy, rot: 0, inside: (u, v) => r - Math.sqrt(u * u + v * v) };
    }
    case 1: {
      const h = uni(rng, 3.5, 8);
      return { cx, cy, rot: small(0.35), inside: (u, v) => h - Math.max(Math.abs(u), Math.abs(v)) };
    }
    case 2: {
      // Equilateral, circumradius R, any rotation: depth = inradius - max projection on normals.
      const R = uni(rng, 5, 10);
      const n = [0, 1, 2].map((k) => (k * 2 * Math.PI) / 3 + Math.PI / 2);
      const nx = n.map(Math.cos);
      const ny = n.map(Math.sin);
      return {
        cx,
        cy,
        rot: uni(rng, 0, 2 * Math.PI),
        inside: (u, v) =>
          R / 2 - Math.max(u * nx[0] + v * ny[0], u * nx[1] + v * ny[1], u * nx[2] + v * ny[2]),
      };
    }
    case 3: {
      const a = uni(rng, 5, 10);
      const t = uni(rng, 1, 2.2);
      return {
        cx,
        cy,
        rot: small(0.35),
        inside: (u, v) => {
          const au = Math.abs(u);
          const av = Math.abs(v);
          return Math.max(Math.min(a - au, t - av), Math.min(t - au, a - av));
        },
      };
    }
    case 4: {
      const rm = uni(rng, 4.5, 9);
      const t = uni(rng, 0.9, 1.8);
      return { cx, cy, rot: 0, inside: (u, v) => t - Math.abs(Math.sqrt(u * u + v * v) - rm) };
    }
    case 5:
    case 6:
    case 7: {
      // A textured square patch: stripes along u (5), along v (6), or a checkerboard (7).
      const half = uni(rng, 6, 13);
      const p = uni(rng, 3, 6);
      const ph = uni(rng, 0, p);
      const tri = (w: number): number => {
        const q = (((w + ph) % p) + p) % p;
        return p / 4 - Math.abs(q - p / 2);
      };
      const patch = (u: number, v: number): number => half - Math.max(Math.abs(u), Math.abs(v));
      if (cls === 5)
        return { cx, cy, rot: small(0.2), inside: (u, v) => Math.min(patch(u, v), tri(v)) };
      if (cls === 6)
        return { cx, cy, rot: small(0.2), inside: (u, v) => Math.min(patch(u, v), tri(u)) };
      return {
        cx,
        cy,
        rot: small(0.2),
        inside: (u, v) => {
          const a = (u + ph) / p;
          const b = (v + ph) / p;
          const fa = a - Math.floor(a);
          const fb = b - Math.floor(b);
          const edge = p * Math.min(0.5 - Math.abs(fa - 0.5), 0.5 - Math.abs(fb - 0.5));
          const par = (Math.floor(a) + Math.floor(b)) & 1;
          return Math.min(patch(u, v), par ? edge : -edge);
        },
      };
    }
    case 8: {
      // One thick bar at 30..60 degrees either way from horizontal.
      const ang = uni(rng, Math.PI / 6, Math.PI / 3) * (rng.nextFloat() < 0.5 ? -1 : 1);
      const len = uni(rng, 7, 14);
      const t = uni(rng, 0.9, 2);
      return { cx, cy, rot: ang, inside: (u, v) => Math.min(len - Math.abs(u), t - Math.abs(v)) };
    }
    case 9: {
      const k = 4 + Math.floor(rng.nextFloat() * 6);
      const spread = uni(rng, 5, 11);
      const dx: number[] = [];
      const dy: number[] = [];
      const rr: number[] = [];
      for (let j = 0; j < k; j++) {
        dx.push(uni(rng, -spread, spread));
        dy.push(uni(rng, -spread, spread));
        rr.push(uni(rng, 1, 2));
      }
      return {
        cx,
        cy,
        rot: 0,
        inside: (u, v) => {
          let g = -1e9;
          for (let j = 0; j < k; j++)
            g = Math.max(g, rr[j] - Math.sqrt((u - dx[j]) ** 2 + (v - dy[j]) ** 2));
          return g;
        },
      };
    }
    default:
      throw new RangeError(`shapes32 has classes 0..9, got ${cls}`);
  }
}
