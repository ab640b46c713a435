// SPDX-License-Identifier: MIT
// The native backend end to end: the same training run bit for bit as ref and wasm on the
// integer schemes (LeNet-5; wageubn8 within float32 ulps), a short ResNet-8 (BatchNorm,
// residual adds), the LSTM and the Transformer, on each native instruction set this CPU runs. `auto` picks native where the
// addon loaded; where it did not build (LOWBIT_NATIVE_ADDON naming a missing file) `lowbit
// train` runs on wasm and says why, and --backend native fails saying why.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../../src/register.js';
import { parseTrainConfig, type TrainConfigInput } from '../../src/train/config.js';
import { train } from '../../src/train/trainer.js';
import { useBackend } from '../../src/kernels/backend.js';
import { nativeBackends } from '../backend/helpers.js';

const native = (await nativeBackends()).filter((b) => b.k);
const skip = native.length ? false : 'the native backend is not available here';
const bin = fileURLToPath(new URL('../../../bin/lowbit.js', import.meta.url));

const tiny = (over: TrainConfigInput = {}) =>
  parseTrainConfig({
    model: 'lenet5',
    dataset: 'mnist',
    scheme: 'fixed8',
    limit: 128,
    testLimit: 64,
    batch: 32,
    seed: 7,
    ...over,
  });

type Run = Awaited<ReturnType<typeof train>>;

function paramsOf(r: Run): Float32Array[] {
  return r.setup.model.params().map((p) => p.value.slice());
}

/** Trains `cfg` with every native instruction set in turn (LOWBIT_NATIVE_ISA picks each). */
async function onEachNative(cfg: TrainConfigInput): Promise<[string, Run][]> {
  const out: [string, Run][] = [];
  const before = process.env.LOWBIT_NATIVE_ISA;
  try {
    for (const be of native) {
      process.env.LOWBIT_NATIVE_ISA = be.name.replace(/^native-/, '');
      out.push([be.name, await train(tiny({ ...cfg, backend: 'native' }), null)]);
    }
  } finally {
    if (before === undefined) delete process.env.LOWBIT_NATIVE_ISA;
    else process.env.LOWBIT_NATIVE_ISA = before;
  }
  return out;
}

function assertSameRun(got: Run, want: Run, what: string): void {
  assert.deepEqual(paramsOf(got), paramsOf(want), `${what}: final parameters`);
  assert.equal(got.metrics[0].train_loss, want.metrics[0].train_loss, `${what}: train loss`);
  assert.equal(got.metrics[0].test_acc, want.metrics[0].test_acc, `${what}: test accuracy`);
}

describe('native training runs', { skip }, () => {
  it('LeNet-5 fixed8: ref, wasm and every native instruction set give the same run', async () => {
    const ref = await train(tiny({ backend: 'ref' }), null);
    const wasm = await train(tiny({ backend: 'wasm' }), null);
    assertSameRun(wasm, ref, 'wasm vs ref');
    for (const [name, r] of await onEachNative({})) {
      assert.equal(r.setup.kernels.name, 'native');
      assertSameRun(r, ref, `${name} vs ref`);
    }
  });

  it('LeNet-5: native equals wasm bit for bit on int16, int8-lazy, dfp8-sr and adaptive', async () => {
    for (const scheme of ['int16', 'int8-lazy', 'dfp8-sr', 'adaptive']) {
      const wasm = await train(tiny({ scheme, backend: 'wasm' }), null);
      const nat = await train(tiny({ scheme, backend: 'native' }), null);
      assertSameRun(nat, wasm, `${scheme}: native vs wasm`);
    }
  });

  it('ResNet-8 (BatchNorm, residual adds) fixed8: ref, wasm and native give the same run', async () => {
    const cfg = { model: 'resnet8', limit: 32, testLimit: 32, batch: 16 };
    const ref = await train(tiny({ ...cfg, backend: 'ref' }), null);
    const wasm = await train(tiny({ ...cfg, backend: 'wasm' }), null);
    assertSameRun(wasm, ref, 'wasm vs ref');
    for (const [name, r] of await onEachNative(cfg)) assertSameRun(r, ref, `${name} vs ref`);
  });

  it('LSTM and Transformer fixed8, LeNet-5 with Adam: native equals wasm bit for bit', async () => {
    // The fixed-point LSTM step, attention's integer softmax, their backwards, Adam's passes.
    for (const cfg of [
      { model: 'lstm', dataset: 'digits-seq', limit: 64, testLimit: 32 },
      { model: 'transformer', dataset: 'translate', limit: 64, testLimit: 32 },
      { optimizer: 'adam' as const, lr: 0.001 },
    ]) {
      const wasm = await train(tiny({ ...cfg, backend: 'wasm' }), null);
      for (const [name, r] of await onEachNative(cfg))
        assertSameRun(r, wasm, `${cfg.model ?? 'lenet5 adam'}: ${name} vs wasm`);
    }
  });

  // wageubn8 keeps LeNet-5's first and last layers in float32 (as the paper does): their
  // float32 GEMMs sum in a different order on each backend (ref in float64), so the runs agree
  // to a few float32 ulps, not bit for bit (wasm vs ref alike); the integer kernels are exact.
  it('LeNet-5 wageubn8 (flag quantizers, integer momentum): ref, wasm and native agree', async () => {
    const cfg = { scheme: 'wageubn8' };
    const ref = await train(tiny({ ...cfg, backend: 'ref' }), null);
    const wasm = await train(tiny({ ...cfg, backend: 'wasm' }), null);
    const close = (got: Run, want: Run, what: string) => {
      const g = paramsOf(got);
      const w = paramsOf(want);
      let worst = 0;
      g.forEach((p, i) => p.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - w[i][j])))));
      assert.ok(worst <= 1e-6, `${what}: parameters differ by ${worst} (> 1e-6)`);
      const dl = Math.abs(got.metrics[0].train_loss - want.metrics[0].train_loss);
      assert.ok(dl <= 1e-6, `${what}: train loss differs by ${dl}`);
      assert.equal(got.metrics[0].test_acc, want.metrics[0].test_acc, `${what}: test accuracy`);
    };
    close(wasm, ref, 'wasm vs ref');
    for (const [name, r] of await onEachNative(cfg)) {
      assert.equal(r.setup.kernels.name, 'native');
      close(r, ref, `${name} vs ref`);
      close(r, wasm, `${name} vs wasm`);
    }
  });

  it('auto picks native where the addon loaded', async () => {
    try {
      assert.equal((await useBackend('auto')).name, 'native');
      assert.equal((await useBackend('wasm')).name, 'wasm');
    } finally {
      await useBackend('ref');
    }
  });
});

function lowbit(env: Record<string, string>, ...args: string[]) {
  const out = mkdtempSync(join(tmpdir(), 'lowbit-native-'));
  const r = spawnSync(
    process.execPath,
    [
      bin,
      'train',
      '--limit',
      '64',
      '--test-limit',
      '32',
      '--no-progress',
      '--out',
      join(out, 'run'),
      ...args,
    ],
    { encoding: 'utf8', env: { ...process.env, LOWBIT_BACKEND: '', ...env } },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('lowbit train without the addon', () => {
  const missing = { LOWBIT_NATIVE_ADDON: join(tmpdir(), 'no-such-dir', 'lowbit_native.node') };

  it('auto runs on wasm and says why not native', () => {
    const r = lowbit(missing);
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /backend: wasm \(\d+ threads?\), picked by auto: native not available \(the addon .*no-such-dir\/lowbit_native\.node was not built/,
    );
  });

  it('--backend native is an error that says why and what to use instead', () => {
    const r = lowbit(missing, '--backend', 'native');
    assert.notEqual(r.code, 0);
    assert.match(r.err, /backend "native" is not available here: the addon .* was not built/);
    assert.match(r.err, /no-such-dir\/lowbit_native\.node was not built .*npm run build:native/);
    assert.match(r.err, /Use --backend auto or wasm/);
  });

  it('an unknown LOWBIT_NATIVE_ISA: --backend native fails with the reason', () => {
    const r = lowbit({ LOWBIT_NATIVE_ISA: 'no-such-isa' }, '--backend', 'native');
    assert.notEqual(r.code, 0);
    assert.match(
      r.err,
      /not available here: LOWBIT_NATIVE_ISA=no-such-isa: use avx512amx, avx512vnni, avx2, portable/,
    );
  });
});

describe('lowbit train with the addon', { skip }, () => {
  it('says it runs native, with the instruction set and --threads', () => {
    const r = lowbit({}, '--backend', 'native', '--threads', '2');
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /backend: native \((avx512amx|avx512vnni|avx2|portable), 2 threads; other kernels wasm\), chosen explicitly/,
    );
  });

  it('auto picks native and says so', () => {
    const r = lowbit({}, '--threads', '1');
    assert.equal(r.code, 0, r.err);
    assert.match(
      r.out,
      /backend: native \((avx512amx|avx512vnni|avx2|portable), 1 thread; other kernels wasm\), picked by auto \(the fastest here\)/,
    );
  });
});
