// The papers' built-in schemes: they bind to LeNet-5, describe every site, apply Park eq. 5
// to the classifier, print start-up notes, and a user file can mix their parts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScheme } from '../../src/schemes/resolve.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { schemeNotes } from '../../src/schemes/notes.js';
import { classifierBits } from '../../src/quant/classifier.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { makeRng } from '../../src/quant/rng.js';
import { siteLayers } from '../../src/nn/layer.js';
import { makeOptimizer, paramSites } from '../../src/schemes/optimizer.js';
import { Sgd } from '../../src/optim/sgd.js';
import { WageubnMomentum } from '../../src/optim/wageubn-momentum.js';
import '../../src/schemes/files.js';

const PAPERS = [
  'dfp8-sr',
  'dfp8-nr',
  'dfp8-sr-lfsr',
  'wageubn',
  'wageubn8',
  'adaptive',
  'adaptive-mode1',
  'int8',
  'int16',
  'int8-lazy',
];
const model = () => lenet5([1, 28, 28], 10, makeRng(1));

test('Park eq. 5: 14 bits for 1000 classes at alpha = 0.5, 8 bits for 10', () => {
  assert.equal(classifierBits(1000, 0.5), 14); // log2(999) + 4 = 13.96
  assert.equal(classifierBits(10, 0.5), 8); // log2(9) + 4 = 7.17
  assert.equal(classifierBits(2, 0.5), 5); // 0 + 4 is not > 4
  assert.throws(() => classifierBits(1), /number of classes/);
});

test('every paper scheme binds to LeNet-5 with an informative description per site', () => {
  for (const name of PAPERS) {
    const m = model();
    const table = bindScheme(m, loadScheme(name), 1);
    assert.ok(table.length > 0, name);
    for (const l of siteLayers(m)) {
      for (const [site, b] of l.sites)
        assert.ok(b.quantizer.description.length > 6, `${name} ${l.name}.${site}`);
    }
  }
});

test('wageubn keeps first and last layers float32 and uses its integer momentum', () => {
  const m = model();
  const s = loadScheme('wageubn');
  bindScheme(m, s, 1);
  const layers = siteLayers(m);
  assert.equal(layers[0].sites.get('W')?.quantizer.description, 'float32');
  assert.equal(layers[layers.length - 1].sites.get('E')?.quantizer.description, 'float32');
  assert.match(layers[1].sites.get('E')?.quantizer.description ?? '', /shift SQ\(x,16\)/);
  assert.match(loadScheme('wageubn8').sites.E?.quantizer ?? '', /wageubn-flag/);
  const opt = makeOptimizer(
    'sgd',
    m.params(),
    paramSites(m, s, 1),
    { momentum: 0.9, weightDecay: 0, lazy: false },
    s,
  );
  assert.ok(opt instanceof WageubnMomentum);
  // discrete MSRA init put quantized layers' weights on the 2^-23 grid inside (-1, 1)
  const w = layers[1].params()[0].value;
  assert.ok(w.every((v) => Math.abs(v) < 1 && Number.isInteger(v * 2 ** 23)));
});

test('int8-lazy: classifier width from eq. 5, lazy SGD, start-up notes', () => {
  const m = model();
  const s = loadScheme('int8-lazy');
  bindScheme(m, s, 1);
  const layers = siteLayers(m);
  const fc = layers[layers.length - 1];
  assert.match(
    fc.sites.get('W')?.quantizer.description ?? '',
    /Park eq\. 5: 10 classes, alpha=0\.5 -> 8 bits/,
  );
  const opt = makeOptimizer(
    'sgd',
    m.params(),
    paramSites(m, s, 1),
    { momentum: 0.9, weightDecay: 0, lazy: false },
    s,
  );
  assert.ok(opt instanceof Sgd && opt.opts.lazy);
  const notes = schemeNotes(s, m);
  assert.ok(
    notes.some((l) =>
      l.includes(
        `classifier ${fc.name}: 10 classes, Park eq. 5 (alpha=0.5) -> 8 bits, using dfp<8>`,
      ),
    ),
    notes.join('\n'),
  );
  assert.deepEqual(schemeNotes(loadScheme('fp32'), m), []);
});

test('a user scheme mixes WAGEUBN formats, the lazy update and adaptive error widths', () => {
  const p = join(mkdtempSync(join(tmpdir(), 'lowbit-mix-')), 'mix.json');
  writeFileSync(
    p,
    JSON.stringify({
      name: 'mix',
      sites: {
        W: { quantizer: 'wageubn-direct', bits: 8, clip: true },
        A: { quantizer: 'wageubn-direct', bits: 8 },
        G: { quantizer: 'wageubn-constant' },
        E: { quantizer: 'adaptive' },
        U: { format: 'dfp<16>' },
        WU: { format: 'dfp<8>' },
        ACC: { format: 'dfp<16>', rounding: 'nearest' },
        M: { quantizer: 'dfp-tracked', bits: 16, rounding: 'stochastic', rng: 'lfsr' },
      },
      optimizer: { lazy: true },
    }),
  );
  const s = loadScheme(p);
  const m = model();
  bindScheme(m, s, 1);
  assert.match(siteLayers(m)[1].sites.get('E')?.quantizer.description ?? '', /adaptive/);
  const opt = makeOptimizer(
    'sgd',
    m.params(),
    paramSites(m, s, 1),
    { momentum: 0.9, weightDecay: 0, lazy: false },
    s,
  );
  assert.ok(opt instanceof Sgd && opt.opts.lazy);
});
