// SPDX-License-Identifier: MIT
// lowbit's public API: formats, tensors, quantizers, kernels, layers, optimizers, schemes,
// datasets, models and the training loop.

import './register.js';

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
  BACKENDS,
  type BackendName,
} from './kernels/backend.js';
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
export * from './train/config.js';
export { train, type TrainHooks, type TrainResult } from './train/trainer.js';
export { setupRun, registerTask } from './train/setup.js';
export { buildOnnx, calibrate, ExportError, type OnnxModelInfo } from './export/onnx/export.js';
export { exportRun, evalLogits, type ExportOptions } from './export/run-export.js';
export {
  recordVectors,
  type Manifest as VectorsManifest,
} from './export/vectors/record-vectors.js';
export { replayVectors, readManifest } from './export/vectors/replay.js';
export type { StepObserver, SiteEvent, GemmEvent } from './quant/observer.js';
