// Every quantizer kind writes a training step's mantissas into the kernels' step workspace
// (Kernels.stepArray), so a step allocates nothing per call and, on WASM, the kernels read and
// write them in place. A kind that allocates its own arrays instead shows here, not only as a
// slower benchmark (it once cost the adaptive and dfp-tracked schemes 15-35% of a step).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../src/quant/format-quantizer.js';
import '../../src/quant/dfp-tracked.js';
import '../../src/quant/adaptive.js';
import '../../src/quant/classifier.js';
import '../../src/quant/wageubn.js';
import { createQuantizer, quantizerKinds } from '../../src/quant/registry.js';
import { refKernels } from '../../src/kernels/ref/index.js';
import type { Kernels } from '../../src/kernels/spec.js';
import { makeRng } from '../../src/quant/rng.js';
import type { SiteContext } from '../../src/quant/site.js';
import { floatTensor, fixedTensor, type Tensor } from '../../src/tensor/tensor.js';
import type { DType, DTypeMap } from '../../src/tensor/dtype.js';

/** refKernels with a workspace that remembers every array it handed out. */
function recordingKernels(): { kernels: Kernels; handed: Set<unknown> } {
  const handed = new Set<unknown>();
  const make = {
    int8: (n: number) => new Int8Array(n),
    int16: (n: number) => new Int16Array(n),
    int32: (n: number) => new Int32Array(n),
    float32: (n: number) => new Float32Array(n),
    float64: (n: number) => new Float64Array(n),
  };
  const kernels: Kernels = {
    ...refKernels,
    stepArray<D extends DType>(dtype: D, n: number): DTypeMap[D] {
      const a = make[dtype](n) as DTypeMap[D];
      handed.add(a);
      return a;
    },
  };
  return { kernels, handed };
}

const specs: Record<string, Record<string, unknown>> = {
  format: { format: 'dfp<8>', rounding: 'stochastic' },
  'dfp-tracked': { bits: 8, rounding: 'stochastic' },
  adaptive: { initBits: 8 },
  'dfp-classifier': { classes: 10 },
  'wageubn-direct': { bits: 8 },
  'wageubn-constant': { bits: 8, kGC: 15 },
  'wageubn-shift': { bits: 8 },
  'wageubn-flag': { bits: 8 },
};

test('every quantizer kind puts a training step mantissas in the step workspace', () => {
  const kinds = quantizerKinds().map((k) => k.name);
  assert.deepEqual(
    [...kinds].sort(),
    Object.keys(specs).sort(),
    'a quantizer kind without a case here: add one',
  );
  const values = Float32Array.from({ length: 96 }, (_, i) => Math.sin(i * 0.7) * (1 + (i % 5)));
  const inputs: [string, Tensor][] = [
    ['float', floatTensor([96], values)],
    [
      'fixed',
      fixedTensor(
        [96],
        Int16Array.from(values, (v) => Math.round(v * 256)),
        -8,
        16,
      ),
    ],
  ];
  for (const name of kinds) {
    for (const [what, x] of inputs) {
      const where = { layer: 'conv1', site: 'E', layerIndex: 1, layerCount: 3, outFeatures: 10 };
      const q = createQuantizer({ quantizer: name, ...specs[name] }, where);
      const { kernels, handed } = recordingKernels();
      for (let step = 0; step < 3; step++) {
        const ctx: SiteContext = {
          kernels,
          rng: makeRng(5),
          step,
          epoch: 0,
          training: true,
          telemetry: null,
        };
        const out = q.apply(x, ctx);
        assert.equal(out.kind, 'fixed', `${name} on ${what} input gave a float tensor`);
        if (out.kind !== 'fixed') continue;
        assert.ok(
          handed.has(out.mant),
          `${name} on a ${what} input, step ${step}: the mantissas are not a step-workspace array`,
        );
      }
    }
  }
});
