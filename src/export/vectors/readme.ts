// SPDX-License-Identifier: MIT
// The README written into a test-vector folder: what each file holds and how to replay it.

import type { Manifest } from './manifest.js';

export function vectorsReadme(m: Manifest, version: string): string {
  const kinds = new Map<string, number>();
  for (const e of m.entries) kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  const c = m.config;
  return `# lowbit test vectors

${m.steps.length} training step(s) of \`${m.model}\` on \`${m.dataset}\` with scheme \`${c.scheme}\`
(optimizer ${m.optimizer}, batch ${c.batch}, seed ${c.seed}), recorded by lowbit ${version},
starting at global step ${m.start.step} (epoch ${m.start.epoch + 1}, batch ${m.start.batchInEpoch}).
Entries: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}.

## Files

- \`manifest.json\`: \`entries\` in order of operations. Each entry has \`seq\`, \`step\`, \`phase\`
  (forward, backward, update), \`kind\`, \`layer\`, and \`tensors\`: role -> \`{file, dtype, shape,
  exp, bits}\`. \`initial\` holds the start state (parameters, layer buffers, each site's generator
  state and quantizer state, optimizer state), \`config\` the run's configuration, \`scheme\` the
  resolved scheme, \`steps\` each step's epoch, learning rate and batch size.
- \`initial/\`, \`stepN/\`: NumPy \`.npy\` files (\`numpy.load\`; C++: cnpy; cocotb: NumPy).

A fixed-point tensor is integer mantissas with one exponent: value = mantissa * 2^exp (the
entry's \`exp\`). Float tensors are \`<f4\`; integer accumulators are \`<i4\` (or \`<f8\` holding
exact integers where lowbit widened an accumulator beyond int32).

## Entry kinds

- \`batch\`: the input \`x\` (float32, what the first layer reads) and \`labels\`; then
  \`dlogits\`, the loss gradient (softmax cross-entropy, float) entering backward.
- \`site\` (\`layer\`, \`site\`, \`quantizer\`): \`in\` the tensor entering the site, \`out\` its
  mantissas and exponent, \`draws\` the 32-bit random words stochastic rounding consumed (one per
  element, in index order; \`draws: 0\` for nearest rounding).
  Nearest rounding is round half up: from float values x, m = floor(x * 2^-exp + 1/2); from
  mantissas at exponent e0 with shift s = exp - e0 > 0, m = floor((m0 + 2^(s-1)) / 2^s).
  Stochastic rounding uses the top 24 bits of each word w: r = w >>> 8;
  from floats m = floor(x * 2^-exp + r / 2^24); from mantissas m = floor((m0 + (r >> (24 - s))) / 2^s)
  for s <= 24 (r * 2^(s-24) beyond). Results saturate to the format's range.
  Sites of the optimizer (U, WU, M, V, ACC) name the parameter as \`layer\`.
- \`gemm\` (\`gemm: {M, N, K, transA, transB}\`): \`a\`, \`b\` the integer operands as stored (a is
  (K, M) when transA, b is (N, K) when transB) and \`c\` = op(a) op(b), the exact int32
  accumulators (M, N). Their exponent is the sum of the operands' site exponents.
- \`layer\`: each layer's forward output \`y\` and backward error \`dx\`.
- \`optimizer\` (\`layer\` = parameter): before the update \`value_before\`, \`grad\` (values) and
  \`grad_mant\` (the weight-gradient mantissas of site G), the optimizer's state buffers
  \`<name>_before\` (e.g. momentum \`m\`, lazy accumulator \`acc\`); after it \`value_after\` and
  \`<name>_after\`.

## Replaying

\`lowbit vectors --check DIR\` replays every step from this folder alone with lowbit's reference
kernels and compares every tensor; it exits non-zero at the first difference. A hardware
testbench reads the same entries: drive each GEMM with \`a\`, \`b\` and compare with \`c\`; drive
each site with \`in\` (and \`draws\`) and compare with \`out\`. In NumPy:

\`\`\`python
import json, numpy as np
m = json.load(open('manifest.json'))
g = next(e for e in m['entries'] if e['kind'] == 'gemm')
t = {k: np.load(v['file']).astype(np.int64) for k, v in g['tensors'].items()}
a = t['a'].T if g['gemm']['transA'] else t['a']
b = t['b'].T if g['gemm']['transB'] else t['b']
assert (a @ b == t['c']).all()
\`\`\`
`;
}
