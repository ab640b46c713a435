// SPDX-License-Identifier: MIT
// A lowbit model as an ONNX model (opset 13, IR 7), in evaluation mode, as bytes (no file
// system: browser-safe). Integer sites become integer weights with DequantizeLinear and
// activation rounding with QuantizeLinear/DequantizeLinear at power-of-two scales, zero point
// 0; float32 sites stay float. Exponents that lowbit picks per tensor (dfp activations) are
// fixed by `calibrate` to the largest it picked over calibration data, so nothing saturates
// there. The graph input is what lowbit feeds the first layer; the model says so in its
// doc_string and metadata_props.

import type { Layer } from '../../nn/layer.js';
import { siteLayers } from '../../nn/layer.js';
import type { Kernels } from '../../kernels/spec.js';
import { floatTensor } from '../../tensor/tensor.js';
import { sizeOf, type Shape } from '../../tensor/shape.js';
import type { StepObserver } from '../../quant/observer.js';
import { DataType, encodeModel, type ModelMsg, type ValueInfoMsg } from './proto.js';
import { GraphBuilder } from './graph.js';
import { emitLayer } from './layers.js';
import type { ExponentMode } from './sites.js';
import { siteRule, ExportError } from './site-rule.js';

export { ExportError };
export type { ExponentMode };

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;

export interface OnnxModelInfo {
  /** lowbit's model, scheme and dataset names (for metadata). */
  readonly model: string;
  readonly scheme: string;
  readonly dataset: string;
  /** One sample's input shape, e.g. [1, 28, 28], and the number of classes. */
  readonly inputShape: Shape;
  readonly numClasses: number;
  /** What the input holds: how the dataset's samples are made (e.g. MNIST's normalisation). */
  readonly inputDescription: string;
  /** Per-tensor (dfp) exponents: computed in the graph (`dynamic`) or calibrated constants. */
  readonly exponents: ExponentMode;
  /** Calibrated exponents by `layer/site` (for `calibrated`). */
  readonly calibrated: ReadonlyMap<string, number>;
  /** How the exponents were chosen, for the metadata. */
  readonly calibration: string;
  readonly producerVersion?: string;
}

const tensorInfo = (name: string, shape: Shape, doc: string): ValueInfoMsg => ({
  name,
  type: {
    tensorType: {
      elemType: DataType.FLOAT,
      shape: { dim: [{ dimParam: 'N' }, ...shape.map((d) => ({ dimValue: d }))] },
    },
  },
  docString: doc,
});

/** The per-site rules of a model, for the metadata (`layer.site: rule @ exponent`). */
export function siteTable(
  model: Layer,
  mode: ExponentMode,
  exps: ReadonlyMap<string, number>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of siteLayers(model)) {
    for (const [site, s] of l.sites) {
      let r;
      try {
        r = siteRule(s.quantizer, `${l.name}.${site}`);
      } catch {
        continue; // a backward or optimizer site the graph never uses
      }
      if (r.kind === 'float') continue;
      const e = r.exp ?? (mode === 'calibrated' ? exps.get(`${l.name}/${site}`) : undefined);
      const at = e !== undefined ? ` @ 2^${e}` : ' @ exponent per tensor (in the graph)';
      out[`${l.name}.${site}`] = `${r.name}${at}`;
    }
  }
  return out;
}

/** Builds the ONNX bytes of `model` (its sites bound, its state loaded). */
export function buildOnnx(model: Layer, info: OnnxModelInfo): Uint8Array {
  const g = new GraphBuilder();
  g.unique('input');
  const out = emitLayer(
    model,
    { name: 'input', shape: info.inputShape, fixed: false },
    { g, exponents: info.exponents, calibrated: info.calibrated },
  );
  g.node('Identity', [out.name], 'logits');
  const inputShape = `(N, ${info.inputShape.join(', ')})`;
  const inputDoc = `float32 ${inputShape}: exactly what lowbit feeds the model's first layer. ${info.inputDescription}`;
  const sites = siteTable(model, info.exponents, info.calibrated);
  const doc = [
    `${info.model} trained by lowbit with scheme ${info.scheme} on ${info.dataset}, in evaluation mode.`,
    `Input "input": ${inputDoc}`,
    `Output "logits": float32 (N, ${info.numClasses}), the scores lowbit's evaluation takes the arg-max of.`,
    `Quantized sites (mantissa * 2^exponent, round half up, zero point 0): ` +
      (Object.keys(sites).length
        ? Object.entries(sites)
            .map(([k, v]) => `${k} ${v}`)
            .join('; ')
        : 'none (a float32 model)') +
      `. ${info.calibration}`,
  ].join('\n');
  const m: ModelMsg = {
    irVersion: ONNX_IR_VERSION,
    producerName: 'lowbit',
    producerVersion: info.producerVersion ?? '',
    domain: '',
    modelVersion: 1,
    docString: doc,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    metadataProps: [
      { key: 'lowbit.model', value: info.model },
      { key: 'lowbit.scheme', value: info.scheme },
      { key: 'lowbit.dataset', value: info.dataset },
      { key: 'lowbit.input', value: inputDoc },
      { key: 'lowbit.input_shape', value: JSON.stringify(['N', ...info.inputShape]) },
      { key: 'lowbit.sites', value: JSON.stringify(sites) },
      { key: 'lowbit.exponents', value: info.exponents },
      { key: 'lowbit.calibration', value: info.calibration },
    ],
    graph: {
      name: info.model,
      node: g.nodes,
      initializer: g.initializers,
      input: [tensorInfo('input', info.inputShape, inputDoc)],
      output: [tensorInfo('logits', [info.numClasses], 'class scores')],
    },
  };
  return encodeModel(m);
}

/**
 * The exponents lowbit's evaluation picks at each per-tensor (dfp) site over `x` (n samples
 * of `inputShape`, in batches of `batch`): the largest seen, by `layer/site`.
 */
export function calibrate(
  model: Layer,
  kernels: Kernels,
  x: Float32Array,
  n: number,
  inputShape: Shape,
  batch = 500,
): Map<string, number> {
  const exps = new Map<string, number>();
  const observer: StepObserver = {
    site(e) {
      if (e.output.kind !== 'fixed') return;
      const k = `${e.layer}/${e.site}`;
      exps.set(k, Math.max(exps.get(k) ?? -Infinity, e.output.exp));
    },
  };
  const per = sizeOf(inputShape);
  for (let i = 0; i < n; i += batch) {
    const b = Math.min(batch, n - i);
    const t = floatTensor([b, ...inputShape], x.subarray(i * per, (i + b) * per));
    model.forward(t, { kernels, step: -1, epoch: -1, training: false, telemetry: null, observer });
  }
  return exps;
}
