// SPDX-License-Identifier: MIT
// A class subset of a classification set: `--classes 0-4` keeps the samples of classes 0..4
// and relabels them 0..k-1 in the order given, e.g. to pretrain on some classes and fine-tune
// on others (transfer learning).

import type { ClassificationDataset, Split } from './dataset.js';

/**
 * Parses a class list: comma-separated ids and ranges, e.g. `0-4`, `5,7,9`, `0-2,8`. Ids keep
 * the order given and must be distinct whole numbers in [0, numClasses).
 */
export function parseClasses(spec: string, numClasses: number): number[] {
  const out: number[] = [];
  const bad = (why: string): Error =>
    new Error(
      `--classes "${spec}": ${why}; give class ids in [0, ${numClasses}) as a list and ranges, e.g. 0-4 or 5,6,7`,
    );
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw bad(`"${part}" is not a class id or a range a-b`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a) throw bad(`range ${a}-${b} is empty`);
    for (let c = a; c <= b; c++) {
      if (c >= numClasses) throw bad(`class ${c} does not exist`);
      if (out.includes(c)) throw bad(`class ${c} is listed twice`);
      out.push(c);
    }
  }
  if (out.length < 2) throw bad('a classifier needs at least 2 classes');
  return out;
}

/** The samples of `classes` (in their original order), labelled by position in `classes`. */
function selectSplit(s: Split, classes: readonly number[]): Split {
  const f = s.n === 0 ? 0 : s.x.length / s.n;
  const map = new Map(classes.map((c, i) => [c, i]));
  let n = 0;
  for (let i = 0; i < s.n; i++) if (map.has(s.y[i])) n++;
  const x = new Float32Array(n * f);
  const y = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < s.n; i++) {
    const label = map.get(s.y[i]);
    if (label === undefined) continue;
    x.set(s.x.subarray(i * f, (i + 1) * f), k * f);
    y[k++] = label;
  }
  return { x, y, n };
}

/** `d` restricted to the classes of `spec` (see parseClasses), relabelled 0..k-1. */
export function selectClasses(d: ClassificationDataset, spec: string): ClassificationDataset {
  const classes = parseClasses(spec, d.numClasses);
  return {
    ...d,
    name: `${d.name}[${spec}]`,
    numClasses: classes.length,
    train: selectSplit(d.train, classes),
    test: selectSplit(d.test, classes),
    description: `${d.description} Classes ${classes.join(', ')} only, relabelled 0..${classes.length - 1}.`,
  };
}
