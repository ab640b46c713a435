// The lowbit command: help on every command, clear errors for bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/lowbit.js', import.meta.url));

function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOWBIT_BACKEND: 'ref' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--help works on every command', () => {
  for (const cmd of [[], ['train'], ['schemes'], ['models']]) {
    const r = run(...cmd, '--help');
    assert.equal(r.code, 0, `${cmd.join(' ')} --help: ${r.err}`);
    assert.match(r.out, /Usage: lowbit/);
  }
  assert.match(run('train', '--help').out, /--scheme <name\|file\.json>/);
});

test('an unknown option or a bad number is a clear error', () => {
  const r = run('train', '--epochz', '2');
  assert.notEqual(r.code, 0);
  assert.match(r.err, /unknown option '--epochz'/);
  const b = run('train', '--batch', 'many');
  assert.notEqual(b.code, 0);
  assert.match(b.err, /--batch must be a whole number >= 1, got "many"/);
});

test('a bad scheme file is a clear error naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-cli-'));
  const p = join(dir, 'bad.json');
  writeFileSync(p, JSON.stringify({ name: 'bad', sites: { W: { format: 'dfp<99>' } } }));
  const r = run('train', '--scheme', p, '--limit', '64', '--out', join(dir, 'run'));
  assert.equal(r.code, 1);
  assert.match(r.err, new RegExp(`invalid scheme ${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
  assert.match(r.err, /bits in 2\.\.32/);
});

test('schemes lists the built-ins and --show resolves one site by site', () => {
  const r = run('schemes');
  assert.equal(r.code, 0);
  assert.match(r.out, /fixed8/);
  const s = run('schemes', '--show', 'fixed8');
  assert.equal(s.code, 0, s.err);
  assert.match(s.out, /conv1\s+W\s+dfp<8> nearest\s+sites/);
  assert.match(s.out, /fc3\s+E\s+dfp<8> stochastic/);
});

test('schemes --show wageubn shows what runs: no U/M/ACC rows, BN parameters not clipped', () => {
  const r = run('schemes', '--show', 'wageubn', '--model', 'resnet8');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /WAGEUBN integer Momentum .* does not use the U, M, V or ACC sites/);
  assert.doesNotMatch(r.out, /^\S+\s+(U|M|ACC|BN\.U|BN\.M|BN\.ACC)\s/m);
  assert.match(
    r.out,
    /s1b1\.conv1\.weight\s+WU\s+Q\(x, 24\) \(step 2\^-23\), clipped to \(-1, 1\)/,
  );
  assert.match(r.out, /s1b1\.bn1\.gamma\s+BN\.WU\s+Q\(x, 24\) \(step 2\^-23\), no range limit/);
  assert.doesNotMatch(r.out, /bn\d?\.(gamma|beta)\s.*clipped/);
  // SGD without momentum has no M; Adam has M and V; the lazy update adds ACC.
  const p = run('schemes', '--show', 'int8-lazy', '--optimizer', 'adam');
  assert.match(p.out, /conv1\.weight\s+V\s+dfp<16> nearest/);
  assert.match(p.out, /conv1\.weight\s+ACC\s+dfp<16> nearest/);
  const q = run('schemes', '--show', 'int8', '--momentum', '0');
  assert.doesNotMatch(q.out, /conv1\.weight\s+M\s/);
});

test('resume of a folder that is not a run is a clear error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lowbit-cli-'));
  const r = run('train', '--resume', dir);
  assert.equal(r.code, 1);
  assert.match(r.err, /is not a run folder: it has no config\.json/);
});

test('schemes --show resolves on any classification model and dataset (Park eq. 5 for 1000 classes)', () => {
  const r = run('schemes', '--show', 'int8-lazy', '--model', 'mlp', '--dataset', 'gauss-1000');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /fc3\s+W\s+dfp<14> nearest \(Park eq\. 5: 1000 classes/);
});
