// SPDX-License-Identifier: MIT
// Scheme files read from disk (Node). Importing this module lets loadScheme take a path.

import { readFileSync } from 'node:fs';
import { setSchemeFileReader } from './resolve.js';

setSchemeFileReader((path) => readFileSync(path, 'utf8'));
