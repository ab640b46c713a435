// SPDX-License-Identifier: MIT
// lowbit's LSTM layer as ONNX's LSTM operator (one direction, batch-major input transposed to
// ONNX's (T, N, F)). lowbit orders the gates i, f, g, o (PyTorch); ONNX orders them i, o, f, c,
// so the weight rows are regrouped. The Ax site (the input sequence) and the Wx, Wh sites
// (integer weights) are exported; an Ah site that quantizes would round h(t-1) inside the
// recurrence (and turn on lowbit's integer gate arithmetic), which the operator cannot express.

import type { LSTM } from '../../nn/lstm.js';
import { attr } from './proto.js';
import type { Val } from './graph.js';
import { siteOnConstant, siteOnValue, type EmitContext } from './sites.js';
import { ExportError, siteRule } from './site-rule.js';

/** Rows of a (4H, K) gate-stacked matrix from i,f,g,o to ONNX's i,o,f,c order. */
function iofc(w: Float32Array, H: number, K: number): Float32Array {
  const out = new Float32Array(w.length);
  [0, 3, 1, 2].forEach((src, dst) =>
    out.set(w.subarray(src * H * K, (src + 1) * H * K), dst * H * K),
  );
  return out;
}

export function emitLstm(l: LSTM, x: Val, ec: EmitContext): Val {
  const g = ec.g;
  const a = l.sites.get('Ah');
  if (a && siteRule(a.quantizer, `${l.name}.Ah`).kind !== 'float') {
    throw new ExportError(
      `${l.name}.Ah rounds h(t-1) inside the recurrence (${a.quantizer.description}); ONNX's LSTM ` +
        `operator cannot round its state, so the model has no exact ONNX form. Export a run whose ` +
        `${l.name} Ah site (or A) is float32.`,
    );
  }
  if (x.shape.length !== 2)
    throw new ExportError(`${l.name}: expected (T, F) sequences per sample`);
  const H = l.hiddenSize;
  const F = l.inputSize;
  // The W site runs on each matrix separately in lowbit's forward; weights become values here
  // (the operator takes float weights), exact since mant * 2^exp is exact in float32.
  const wx = siteOnConstant(l, 'Wx', l.weightIh.value, l.weightIh.shape).values;
  const wh = siteOnConstant(l, 'Wh', l.weightHh.value, l.weightHh.shape).values;
  const xq = siteOnValue(l, 'Ax', x, ec);
  const b = new Float32Array(8 * H);
  b.set(iofc(l.bias.value, H, 1)); // Wb; Rb stays 0 (lowbit adds one bias)
  const seq = g.node('Transpose', [xq.name], `${l.name}/time_major`, [
    attr.ints('perm', [1, 0, 2]),
  ]);
  const Y = g.unique(`${l.name}/Y`);
  const Yh = g.unique(`${l.name}/Y_h`);
  g.nodeN(
    'LSTM',
    [
      seq,
      g.constant(`${l.name}.W`, [1, 4 * H, F], iofc(wx, H, F)),
      g.constant(`${l.name}.R`, [1, 4 * H, H], iofc(wh, H, H)),
      g.constant(`${l.name}.B`, [1, 8 * H], b),
    ],
    [Y, Yh],
    l.name,
    [attr.int('hidden_size', H)],
  );
  const T = x.shape[0];
  if (!l.returnSequences) {
    const axes = g.constant(`${l.name}/axes0`, [1], BigInt64Array.of(0n));
    return { name: g.node('Squeeze', [Yh, axes], `${l.name}/h_T`), shape: [H], fixed: false };
  }
  const axes = g.constant(`${l.name}/axes1`, [1], BigInt64Array.of(1n));
  const y = g.node('Squeeze', [Y, axes], `${l.name}/y_time_major`);
  return {
    name: g.node('Transpose', [y], `${l.name}/y`, [attr.ints('perm', [1, 0, 2])]),
    shape: [T, H],
    fixed: false,
  };
}
