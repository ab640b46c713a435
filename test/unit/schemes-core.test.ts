// Scheme files: validation with clear errors, extends, per-layer overrides, built-ins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScheme, builtinSchemes } from '../../src/schemes/resolve.js';
import { bindScheme } from '../../src/schemes/bind.js';
import { lenet5 } from '../../src/models/lenet5.js';
import { makeRng } from '../../src/quant/rng.js';
import '../../src/schemes/files.js';

function schemeFile(obj: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-scheme-'));
  const p = join(dir, 's.json');
  writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj));
  return p;
}

test('built-in schemes fp32 and fixed8 exist and resolve', () => {
  const names = builtinSchemes().map((s) => s.name);
  assert.ok(names.includes('fp32') && names.includes('fixed8'));
  assert.equal(loadScheme('fixed8').sites.E?.rounding, 'stochastic');
});

test('unknown keys, bad formats and bad bit-widths are clear errors naming the file', () => {
  const unknownKey = schemeFile({ name: 'x', sitez: {} });
  assert.throws(
    () => loadScheme(unknownKey),
    (e: Error) => e.message.includes(unknownKey) && /sitez/.test(e.message),
  );
  const badBits = schemeFile({ name: 'x', sites: { W: { format: 'dfp<64>' } } });
  assert.throws(() => loadScheme(badBits), /not a number format.*bits in 2\.\.32/s);
  const badRounding = schemeFile({ name: 'x', sites: { W: { format: 'dfp<8>', rounding: 'up' } } });
  assert.throws(() => loadScheme(badRounding), /rounding/);
  const badQuantizer = schemeFile({ name: 'x', sites: { W: { quantizer: 'magic' } } });
  assert.throws(() => loadScheme(badQuantizer), /unknown quantizer "magic"/);
  assert.throws(() => loadScheme(schemeFile('{ not json')), /is not valid JSON/);
  assert.throws(() => loadScheme('nope'), /unknown scheme "nope": built-in schemes are/);
});

test('extends merges sites; per-layer overrides win over the global table', () => {
  const p = schemeFile({
    name: 'mine',
    extends: 'fixed8',
    sites: { E: { format: 'dfp<16>', rounding: 'nearest' } },
    layers: { first: { A: { format: 'float32' } }, fc3: { W: { format: 'fixed<12,8>' } } },
  });
  const s = loadScheme(p);
  assert.equal(s.sites.W?.format, 'dfp<8>');
  assert.equal(s.sites.E?.format, 'dfp<16>');
  const model = lenet5([1, 28, 28], 10, makeRng(0));
  const table = bindScheme(model, s, 1);
  const find = (l: string, site: string) => table.find((r) => r.layer === l && r.site === site)!;
  assert.equal(find('conv1', 'A').spec.format, 'float32');
  assert.equal(find('conv1', 'A').from, 'layers.first');
  assert.equal(find('conv2', 'A').spec.format, 'dfp<8>');
  assert.equal(find('fc3', 'W').spec.format, 'fixed<12,8>');
});

test('an override naming no layer of the model is an error listing the layers', () => {
  const s = loadScheme(schemeFile({ name: 'x', layers: { fc9: { W: { format: 'dfp<8>' } } } }));
  assert.throws(
    () => bindScheme(lenet5([1, 28, 28], 10, makeRng(0)), s, 1),
    /layers\.fc9 names no layer.*conv1, conv2, fc1, fc2, fc3/,
  );
});

test('a scheme extending itself is reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-scheme-'));
  const p = join(dir, 'loop.json');
  writeFileSync(p, JSON.stringify({ name: 'loop', extends: p }));
  assert.throws(() => loadScheme(p), /extends itself/);
});

test('a scheme extending another keeps the base optimizer settings it does not restate', () => {
  const p = schemeFile({
    name: 'lazy-child',
    extends: 'int8-lazy',
    sites: { E: { format: 'dfp<16>' } },
  });
  assert.equal(loadScheme(p).optimizer.lazy, true);
  const q = schemeFile({ name: 'not-lazy', extends: 'int8-lazy', optimizer: { lazy: false } });
  assert.equal(loadScheme(q).optimizer.lazy, false);
});
