// SPDX-License-Identifier: MIT
// What the WASM backend needs from the platform it runs on: the module's bytes, worker
// threads, and whether this thread may block. The default host is the web's (fetch, Web
// Workers, crossOriginIsolated); the Node entry installs node-host.ts (files, worker_threads).

import type { WasmMemory, WasmModule } from './wasm-api.js';

export type WasmFile = 'lowbit.wasm' | 'lowbit-mt.wasm';

/** What a GEMM worker gets at start: the module, the shared memory, its control slot. */
export interface GemmWorkerInit {
  readonly module: WasmModule;
  readonly memory: WasmMemory;
  readonly ctrl: Int32Array;
  readonly args: Float64Array;
  readonly slot: number;
}

export interface WorkerHandle {
  /** Resolves once the worker has instantiated the module; rejects if it fails to start. */
  readonly ready: Promise<void>;
  terminate(): Promise<unknown> | void;
  /** Lets the process exit while the worker idles (Node). */
  unref?(): void;
}

export interface WasmHost {
  readonly name: string;
  /** The bytes of build/lowbit.wasm (single thread) or build/lowbit-mt.wasm (shared memory). */
  readBytes(file: WasmFile): Promise<Uint8Array>;
  /** Whether memory may be shared with workers (Node; a cross-origin-isolated page). */
  sharedMemory(): boolean;
  /** Whether this thread may block in Atomics.wait (not a page's main thread). */
  canBlock(): boolean;
  /** Starts a GEMM worker, or null where this host has no worker threads. */
  startWorker(init: GemmWorkerInit): WorkerHandle | null;
  /** The thread count when setThreads was not called. */
  defaultThreads(): number;
  /** The cores there are, and whether the environment fixed the count (LOWBIT_THREADS). */
  threadDefault(): { cores: number; fixed: boolean };
  warn(message: string): void;
}

let supplied: { single?: Uint8Array; shared?: Uint8Array } = {};

/**
 * Supplies the module bytes (for bundlers that do not emit the .wasm files): `single` is
 * build/lowbit.wasm, `shared` build/lowbit-mt.wasm (optional; needed only for worker threads).
 */
export function setWasmBytes(bytes: { single?: Uint8Array; shared?: Uint8Array }): void {
  supplied = { ...bytes };
}

export function suppliedBytes(file: WasmFile): Uint8Array | undefined {
  return file === 'lowbit.wasm' ? supplied.single : supplied.shared;
}

// The web's globals, typed locally (the project compiles without the DOM lib).
interface WebWorker {
  postMessage(m: unknown): void;
  terminate(): void;
  onmessage: ((e: { data: unknown }) => void) | null;
  onerror: ((e: { message?: string }) => void) | null;
}
declare const Worker: new (url: URL, opts: { type: 'module'; name?: string }) => WebWorker;
interface WebGlobals {
  crossOriginIsolated?: boolean;
  WorkerGlobalScope?: abstract new () => unknown;
  navigator?: { hardwareConcurrency?: number };
  Worker?: unknown;
}
const web = globalThis as WebGlobals;

function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

async function fetchBytes(url: URL): Promise<Uint8Array> {
  if (isNode()) {
    throw new Error(
      `the wasm kernels are read from files in Node: import lowbit's Node entry ('lowbit' or ` +
        `'lowbit/node'), or call setWasmBytes`,
    );
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot fetch ${url.href}: ${res.status} (or call setWasmBytes)`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Browsers (and other web-like hosts): fetch, Web Workers, cross-origin isolation. */
export const webHost: WasmHost = {
  name: 'web',
  async readBytes(file) {
    const given = suppliedBytes(file);
    if (given) return given;
    // Literal URLs, so bundlers (Vite, Rollup, webpack 5) emit the files and rewrite these.
    // dist/src/kernels/wasm/host.js -> <package>/build/<file>
    return fetchBytes(
      file === 'lowbit.wasm'
        ? new URL('../../../../build/lowbit.wasm', import.meta.url)
        : new URL('../../../../build/lowbit-mt.wasm', import.meta.url),
    );
  },
  sharedMemory: () => typeof SharedArrayBuffer !== 'undefined' && web.crossOriginIsolated === true,
  canBlock: () =>
    typeof web.WorkerGlobalScope === 'function' && globalThis instanceof web.WorkerGlobalScope,
  startWorker(init) {
    if (typeof web.Worker !== 'function') return null;
    // A literal `new Worker(new URL(...))`, which bundlers recognise and bundle.
    const w = new Worker(new URL('./web-worker.js', import.meta.url), {
      type: 'module',
      name: `lowbit-gemm-${init.slot}`,
    });
    const ready = new Promise<void>((resolve, reject) => {
      w.onmessage = (e) => {
        const err = (e.data as { error?: string } | null)?.error;
        if (err) reject(new Error(`GEMM worker failed to start: ${err}`));
        else resolve();
      };
      w.onerror = (e) => reject(new Error(`GEMM worker failed to start: ${e.message ?? 'error'}`));
    });
    w.postMessage(init);
    return { ready, terminate: () => w.terminate() };
  },
  defaultThreads: () => web.navigator?.hardwareConcurrency ?? 1,
  threadDefault: () => ({ cores: web.navigator?.hardwareConcurrency ?? 1, fixed: false }),
  warn: (m) => console.warn(m),
};

let host: WasmHost = webHost;

/** Installs the platform's host (the Node entry installs node-host.ts). */
export function setWasmHost(h: WasmHost): void {
  host = h;
}

export function wasmHost(): WasmHost {
  return host;
}
