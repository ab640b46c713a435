// SPDX-License-Identifier: MIT
// A GEMM worker in a browser (a module Web Worker): gemm-slot.ts over the init it is posted.

import type { GemmWorkerInit } from './host.js';
import { serveGemmSlot } from './gemm-slot.js';

interface WorkerScope {
  onmessage: ((e: { data: GemmWorkerInit }) => void) | null;
  postMessage(m: unknown): void;
}
const scope = globalThis as unknown as WorkerScope;

scope.onmessage = (e) => {
  scope.onmessage = null;
  serveGemmSlot(e.data, () => scope.postMessage('ready')).catch((err: unknown) =>
    scope.postMessage({ error: err instanceof Error ? err.message : String(err) }),
  );
};
