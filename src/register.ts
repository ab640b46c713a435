// SPDX-License-Identifier: MIT
// Side-effect imports that register every built-in quantizer kind, scheme, model and backend.
// Importing the package's entry point (or the CLI) runs this once.

import './quant/format-quantizer.js';
import './kernels/wasm/index.js';
import './train/seq2seq.js';
