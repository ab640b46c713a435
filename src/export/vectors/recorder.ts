// SPDX-License-Identifier: MIT
// The recording observer behind `lowbit vectors`: it turns a training step into an ordered list
// of entries - every site call (input, output mantissas and exponent, the random draws it
// consumed), every integer GEMM (operands and int32 accumulators), every layer's forward output
// and backward error - and hands each entry with its tensors to a sink (a writer of .npy files,
// or a comparer when replaying). Layers are observed by wrapping their methods on the instance
// while recording; nothing changes in the layers themselves.

import type { Layer } from '../../nn/layer.js';
import { allLayers } from '../../nn/layer.js';
import type { RunContext } from '../../nn/context.js';
import type { GemmEvent, SiteEvent, StepObserver } from '../../quant/observer.js';
import { copyTensor } from '../../quant/observer.js';
import { Xoshiro128 } from '../../quant/rng.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { NpyArray } from './npy.js';

export type Phase = 'forward' | 'backward' | 'update';

/** One tensor of an entry: its storage, shape, and exponent when fixed-point. */
export interface Rec {
  readonly data: NpyArray;
  readonly shape: readonly number[];
  /** value = data * 2^exp (fixed-point); absent for float values and raw integers. */
  readonly exp?: number;
  readonly bits?: number;
}

export interface Entry {
  readonly seq: number;
  readonly step: number;
  readonly phase: Phase;
  readonly kind: 'site' | 'gemm' | 'layer' | 'batch' | 'optimizer';
  /** Layer name, or parameter name for optimizer sites. */
  readonly layer: string;
  readonly site?: string;
  /** Quantizer description (format and rounding), for sites. */
  readonly quantizer?: string;
  /** GEMM shape: c (M,N) = op(a) (M,K) op(b) (K,N); a stored (K,M) when transA, b (N,K) when transB. */
  readonly gemm?: { M: number; N: number; K: number; transA: boolean; transB: boolean };
  /** Number of 32-bit draws the site consumed (null: its generator is internal, not recorded). */
  readonly draws?: number | null;
  /** Roles of the tensors written with the entry (in, out, draws, a, b, c, y, dx, ...). */
  readonly roles: readonly string[];
}

export type Sink = (e: Entry, tensors: Readonly<Record<string, Rec>>) => void;

export function recOf(t: Tensor): Rec {
  return t.kind === 'float'
    ? { data: t.data, shape: t.shape }
    : { data: t.mant, shape: t.shape, exp: t.exp, bits: t.bits };
}

/** The words `rng` produced between state `before` and its current state (null if unknown). */
function drawsOf(e: SiteEvent, max: number): Uint32Array | null {
  const after = e.rng.state();
  const same = (s: readonly number[]): boolean => s.every((v, i) => v >>> 0 === after[i] >>> 0);
  if (same(e.rngBefore)) return new Uint32Array(0);
  if (!(e.rng instanceof Xoshiro128)) return null;
  const g = new Xoshiro128(0);
  g.setState(e.rngBefore);
  const out: number[] = [];
  while (out.length <= max) {
    out.push(g.nextU32());
    if (same(g.state())) return Uint32Array.from(out);
  }
  return null;
}

export class Recorder implements StepObserver {
  private seq = 0;
  step = 0;
  phase: Phase = 'forward';
  private readonly stack: string[] = [];
  private readonly restore: (() => void)[] = [];

  constructor(private readonly sink: Sink) {}

  private emit(e: Omit<Entry, 'seq' | 'step' | 'phase' | 'roles'>, t: Record<string, Rec>): void {
    this.sink(
      { seq: this.seq++, step: this.step, phase: this.phase, ...e, roles: Object.keys(t) },
      t,
    );
  }

  site(e: SiteEvent): void {
    const n = e.input.kind === 'float' ? e.input.data.length : e.input.mant.length;
    const draws = drawsOf(e, n + 1);
    const t: Record<string, Rec> = { in: recOf(e.input), out: recOf(copyTensor(e.output)) };
    if (draws && draws.length) t.draws = { data: draws, shape: [draws.length] };
    this.emit(
      {
        kind: 'site',
        layer: e.layer,
        site: e.site,
        quantizer: e.quantizer.description,
        draws: draws ? draws.length : null,
      },
      t,
    );
  }

  gemm(e: GemmEvent): void {
    const { M, N, K } = e.shape;
    const transA = e.shape.transA ?? false;
    const transB = e.shape.transB ?? false;
    this.emit(
      {
        kind: 'gemm',
        layer: this.stack.at(-1) ?? '',
        gemm: { M, N, K, transA, transB },
      },
      {
        a: { data: e.a.slice(), shape: transA ? [K, M] : [M, K] },
        b: { data: e.b.slice(), shape: transB ? [N, K] : [K, N] },
        c: { data: e.c.slice(), shape: [M, N] },
      },
    );
  }

  /** Records a tensor the driver owns (the batch, labels, the loss gradient, optimizer state). */
  record(kind: Entry['kind'], layer: string, t: Record<string, Rec>): void {
    this.emit({ kind, layer }, t);
  }

  /** Wraps the forward and backward of every leaf layer (and the root) of `model`. */
  attach(model: Layer): void {
    for (const l of allLayers(model)) {
      if (l !== model && l.children().length > 0) continue;
      const fwd = l.forward.bind(l);
      const bwd = l.backward.bind(l);
      const leaf = l.children().length === 0;
      l.forward = (x: Tensor, ctx: RunContext): Tensor => {
        this.stack.push(l.name);
        try {
          const y = fwd(x, ctx);
          if (leaf && ctx.training)
            this.emit({ kind: 'layer', layer: l.name }, { y: recOf(copyTensor(y)) });
          return y;
        } finally {
          this.stack.pop();
        }
      };
      l.backward = (dy: Tensor, ctx: RunContext): Tensor => {
        this.stack.push(l.name);
        try {
          const dx = bwd(dy, ctx);
          if (leaf) this.emit({ kind: 'layer', layer: l.name }, { dx: recOf(copyTensor(dx)) });
          return dx;
        } finally {
          this.stack.pop();
        }
      };
      this.restore.push(() => {
        delete (l as { forward?: unknown }).forward;
        delete (l as { backward?: unknown }).backward;
      });
    }
  }

  /** Removes the wrappers. */
  detach(): void {
    for (const r of this.restore.splice(0)) r();
  }
}
