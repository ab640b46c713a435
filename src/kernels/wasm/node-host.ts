// SPDX-License-Identifier: MIT
// The WASM backend's host in Node: module bytes read from build/, GEMM workers on
// worker_threads, the thread count from LOWBIT_THREADS or the cores. Importing this module
// installs it.

import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { setWasmHost, suppliedBytes, type WasmHost } from './host.js';
import { checkThreadCount } from './threads.js';

export const nodeHost: WasmHost = {
  name: 'node',
  async readBytes(file) {
    const given = suppliedBytes(file);
    if (given) return given;
    // dist/src/kernels/wasm/node-host.js -> <package>/build/<file>
    const url = new URL(`../../../../build/${file}`, import.meta.url);
    try {
      return new Uint8Array(await readFile(url));
    } catch (e) {
      throw new Error(
        `cannot read ${url.pathname} (${(e as Error).message}): run npm run build:wasm`,
        { cause: e },
      );
    }
  },
  sharedMemory: () => typeof SharedArrayBuffer !== 'undefined',
  canBlock: () => true,
  startWorker(init) {
    const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: init });
    const ready = new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', (e) => reject(e instanceof Error ? e : new Error(String(e))));
      w.once('exit', () => reject(new Error('GEMM worker exited during start')));
    });
    return { ready, terminate: () => w.terminate(), unref: () => w.unref() };
  },
  defaultThreads() {
    const env = process.env.LOWBIT_THREADS;
    if (env !== undefined && env !== '') return checkThreadCount(Number(env), 'LOWBIT_THREADS');
    return availableParallelism();
  },
  threadDefault: () => ({
    cores: availableParallelism(),
    fixed: (process.env.LOWBIT_THREADS ?? '') !== '',
  }),
  warn: (m) => process.emitWarning(m),
};

setWasmHost(nodeHost);
