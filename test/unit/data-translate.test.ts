// SPDX-License-Identifier: MIT
// The translate set: number words checked by hand, encoding/padding, disjoint split, BLEU.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { corpusBleu } from '../../src/data/bleu.js';
import { BOS, decodeTokens, EOS, PAD, type SeqSplit } from '../../src/data/dataset.js';
import { englishWords, germanWords, loadTranslate } from '../../src/data/translate.js';

const en = (n: number): string => englishWords(n).join(' ');
const de = (n: number): string => germanWords(n).join(' ');

test('English and German number words, checked by hand', () => {
  assert.equal(en(0), 'zero');
  assert.equal(de(0), 'null');
  assert.equal(en(342), 'three hundred forty two');
  assert.equal(de(342), 'drei hundert zwei und vierzig');
  assert.equal(de(1), 'eins');
  assert.equal(de(21), 'ein und zwanzig');
  assert.equal(de(101), 'ein hundert eins');
  assert.equal(de(17), 'siebzehn');
  assert.equal(de(30), 'dreissig');
  assert.equal(en(1001), 'one thousand one');
  assert.equal(de(1001), 'ein tausend eins');
  assert.equal(en(12015), 'twelve thousand fifteen');
  assert.equal(de(12015), 'zwoelf tausend fuenfzehn');
  assert.equal(en(100000), 'one hundred thousand');
  assert.equal(de(100000), 'ein hundert tausend');
  assert.equal(en(777777), 'seven hundred seventy seven thousand seven hundred seventy seven');
  assert.equal(
    de(777777),
    'sieben hundert sieben und siebzig tausend sieben hundert sieben und siebzig',
  );
  assert.throws(() => englishWords(1e6), /0\.\.999999/);
});

/** English number words -> number, by summing word values (hundred multiplies, thousand scales). */
function parseEnglish(words: readonly string[]): number {
  const small = new Map<string, number>();
  const names =
    'zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen';
  names.split(' ').forEach((w, i) => small.set(w, i));
  'twenty thirty forty fifty sixty seventy eighty ninety'
    .split(' ')
    .forEach((w, i) => small.set(w, 20 + 10 * i));
  let total = 0;
  let cur = 0;
  for (const w of words) {
    if (w === 'hundred') cur *= 100;
    else if (w === 'thousand') {
      total += cur * 1000;
      cur = 0;
    } else {
      const v = small.get(w);
      assert.ok(v !== undefined, `unknown word ${w}`);
      cur += v;
    }
  }
  return total + cur;
}

function rows(s: SeqSplit, field: 'src' | 'tgt'): string[] {
  const len = s[field].length / s.n;
  return Array.from({ length: s.n }, (_, i) => s[field].subarray(i * len, (i + 1) * len).join(','));
}

test('translate: padded encoding decodes back to the words; train and test are disjoint', () => {
  const d = loadTranslate({ seed: 4, trainSize: 3000, testSize: 500 });
  assert.equal(d.train.n, 3000);
  assert.equal(d.test.n, 500);
  assert.equal(d.srcVocab.tokens[PAD], '<pad>');
  for (const s of [d.train, d.test]) {
    for (let i = 0; i < s.n; i++) {
      const src = s.src.subarray(i * d.maxSrcLen, (i + 1) * d.maxSrcLen);
      const tgt = s.tgt.subarray(i * d.maxTgtLen, (i + 1) * d.maxTgtLen);
      assert.equal(src[s.srcLen[i] - 1], EOS);
      assert.equal(tgt[0], BOS);
      assert.equal(tgt[s.tgtLen[i] - 1], EOS);
      assert.ok(src.subarray(s.srcLen[i]).every((v) => v === PAD));
      assert.ok(tgt.subarray(s.tgtLen[i]).every((v) => v === PAD));
      // The source words name a number; the target must be that number's German words.
      const words = decodeTokens(d.srcVocab, src);
      assert.ok(!words.includes('<unk>'));
      assert.ok(words.length > 0);
    }
  }
  // Every pair: parse the English source back to its number (an independent parser below)
  // and check the target is that number's German words.
  for (const s of [d.train, d.test]) {
    for (let i = 0; i < s.n; i++) {
      const e = decodeTokens(d.srcVocab, s.src.subarray(i * d.maxSrcLen, (i + 1) * d.maxSrcLen));
      const g = decodeTokens(d.tgtVocab, s.tgt.subarray(i * d.maxTgtLen, (i + 1) * d.maxTgtLen));
      const v = parseEnglish(e);
      assert.equal(en(v), e.join(' '));
      assert.equal(g.join(' '), de(v));
    }
  }
  const train = new Set(rows(d.train, 'src'));
  assert.equal(train.size, 3000, 'train sentences are distinct');
  for (const r of rows(d.test, 'src')) assert.ok(!train.has(r), 'a test sentence occurs in train');
});

test('translate: deterministic from the seed; the identity translation has BLEU 1', () => {
  const a = loadTranslate({ seed: 9, trainSize: 200, testSize: 50 });
  const b = loadTranslate({ seed: 9, trainSize: 200, testSize: 50 });
  const c = loadTranslate({ seed: 10, trainSize: 200, testSize: 50 });
  assert.deepEqual(a.train.src, b.train.src);
  assert.deepEqual(a.test.tgt, b.test.tgt);
  assert.notDeepEqual(a.train.src, c.train.src);
  const refs = rows(a.test, 'tgt').map((r) => decodeTokens(a.tgtVocab, r.split(',').map(Number)));
  assert.equal(
    corpusBleu(
      refs,
      refs.map((r) => [r]),
    ).bleu,
    1,
  );
  assert.throws(() => loadTranslate({ trainSize: 90, testSize: 20, maxNumber: 99 }), /only 100/);
});
