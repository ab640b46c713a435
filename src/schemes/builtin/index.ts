// SPDX-License-Identifier: MIT
// The papers' schemes, and the quantizer kinds they use (registered on import).

import '../../quant/dfp-tracked.js';
import '../../quant/wageubn.js';
import '../../quant/adaptive.js';
import '../../quant/classifier.js';
import type { SchemeInput } from '../schema.js';
import { dfp8Nr, dfp8Sr, dfp8SrLfsr } from './su.js';
import { wageubn, wageubn8 } from './wageubn.js';
import { adaptive, adaptiveMode1 } from './zhang.js';
import { int16, int8, int8Lazy, int8w16, int8w16Lazy } from './park.js';

export const paperSchemes: readonly SchemeInput[] = [
  dfp8Sr,
  dfp8Nr,
  dfp8SrLfsr,
  wageubn,
  wageubn8,
  adaptive,
  adaptiveMode1,
  int8,
  int16,
  int8Lazy,
  int8w16,
  int8w16Lazy,
];
