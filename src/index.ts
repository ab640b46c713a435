// SPDX-License-Identifier: MIT
// lowbit's public API, browser-safe: formats, tensors, quantizers, kernels (ref and wasm),
// layers, optimizers, schemes, datasets from bytes, models and the training loop with its
// run kept in a RunStore (MemoryStore in memory). No Node built-in is reached from here; the
// Node entry (node.ts: run folders, files, worker_threads) adds what needs Node.

import './builtins.js';

export * from './format/index.js';
export * from './tensor/index.js';
export * from './quant/index.js';
export * from './quant/site.js';
export * from './quant/registry.js';
export { FormatQuantizer } from './quant/format-quantizer.js';
export type { Kernels, GemmShape, ConvGeom } from './kernels/spec.js';
export {
  kernels,
  useBackend,
  setKernels,
  registerBackend,
  backendNote,
  BACKENDS,
  type BackendName,
} from './kernels/backend.js';
export {
  loadWasmKernels,
  setThreads,
  getThreads,
  setWasmBytes,
  setWasmHost,
  webHost,
  type WasmHost,
} from './kernels/wasm/index.js';
export { refKernels } from './kernels/ref/index.js';
export { intGemm } from './ops/intgemm.js';
export { Layer, allLayers, siteLayers } from './nn/layer.js';
export { Param } from './nn/param.js';
export type { RunContext } from './nn/context.js';
export { Linear } from './nn/linear.js';
export { Conv2d } from './nn/conv2d.js';
export { ReLU } from './nn/relu.js';
export { MaxPool2d } from './nn/maxpool2d.js';
export { Flatten } from './nn/flatten.js';
export { Sequential } from './nn/sequential.js';
export { softmaxCrossEntropy, predict } from './nn/loss.js';
export * from './optim/index.js';
export * from './schemes/schema.js';
export * from './schemes/resolve.js';
export * from './schemes/bind.js';
export * from './models/registry.js';
export * from './data/index.js';
export * from './train/config.js';
export { train, type TrainHooks, type TrainOptions, type TrainResult } from './train/loop.js';
export { setupRun, registerTask, type RunSetup, type SetupOptions } from './train/setup.js';
export * from './train/checkpoint.js';
export * from './train/store.js';
export { formatEpoch, type EpochMetrics } from './train/metrics.js';
export type { Task, StepResult } from './train/task.js';
export { costModel, type CostReport, type MemoryBreakdown } from './report/cost/model.js';
export { costForScheme, costForModel } from './report/cost/for-scheme.js';
export { MacCounter, startCountingMacs, stopCountingMacs } from './ops/macs.js';
export type { LayerCost, MacEntry } from './nn/cost.js';
export { HOROWITZ_45NM, parseOpTable, type OpTable } from './report/cost/op-table.js';
export { buildOnnx, calibrate, ExportError, type OnnxModelInfo } from './export/onnx/export.js';
export type { StepObserver, SiteEvent, GemmEvent } from './quant/observer.js';
