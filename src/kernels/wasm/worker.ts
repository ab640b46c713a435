// SPDX-License-Identifier: MIT
// A GEMM worker thread in Node (worker_threads): gemm-slot.ts over the init in workerData.

import { parentPort, workerData } from 'node:worker_threads';
import { serveGemmSlot } from './gemm-slot.js';

await serveGemmSlot(workerData, () => parentPort?.postMessage('ready'));
