// SPDX-License-Identifier: MIT
// Side-effect imports that register every built-in quantizer kind, scheme, model, backend and
// task. Platform-neutral (browser-safe); the browser entry (index.ts) runs it, and so does
// register.ts, which adds Node's file reading and worker threads.

import './quant/format-quantizer.js';
import './kernels/wasm/index.js';
import './train/seq2seq.js';
