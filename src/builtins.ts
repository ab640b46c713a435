// SPDX-License-Identifier: MIT
// Side-effect imports that register the built-ins defined away from their registry: the
// format quantizer kinds and the wasm backend (models, schemes and tasks are registered in
// their registries' own modules). Platform-neutral (browser-safe); the browser entry
// (index.ts) runs it, and so does register.ts, which adds Node's file reading and workers.

import './quant/format-quantizer.js';
import './kernels/wasm/index.js';
