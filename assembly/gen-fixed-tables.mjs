// SPDX-License-Identifier: MIT
// Writes the function tables of the fixed-point gate and softmax kernels, the same numbers in
// three files: assembly/fixed_tables.ts (static data of the WASM module),
// src/kernels/ref/fixed-tables.ts (the reference) and native/src/fixed-tables.h (the addon). Run it after changing a table's definition
// (`node assembly/gen-fixed-tables.mjs`); test/unit/fixed-tables.test.ts checks both files
// against the definitions below.
//   SIGMOID_Q20[k] = round(sigmoid(k / 64) * 2^20), k = 0..1024   (inputs 0..16)
//   TANH_Q20[k]    = round(tanh(k / 64) * 2^20),    k = 0..512    (inputs 0..8)
//   EXPNEG_Q20[k]  = round(exp(-k / 64) * 2^20),    k = 0..768    (inputs 0..-12)
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const q20 = (f, n) => Array.from({ length: n + 1 }, (_, k) => Math.round(f(k / 64) * 2 ** 20));
const tables = {
  SIGMOID_Q20: q20((x) => 1 / (1 + Math.exp(-x)), 1024),
  TANH_Q20: q20(Math.tanh, 512),
  EXPNEG_Q20: q20((x) => Math.exp(-x), 768),
};
const lines = (a) => {
  const out = [];
  for (let i = 0; i < a.length; i += 12) out.push(`  ${a.slice(i, i + 12).join(', ')},`);
  return out.join('\n');
};
const head = (what) =>
  `// SPDX-License-Identifier: MIT\n// ${what}\n// Written by assembly/gen-fixed-tables.mjs (do not edit: the definitions are in its header).\n// Q20 values of sigmoid, tanh and exp(-x) at steps of 1/64.\n`;
let as = head('Function tables of the fixed-point gate and softmax kernels: WASM static data.');
let ts = head('Function tables of the fixed-point gate and softmax kernels: the reference copy.');
let cc =
  head('Function tables of the fixed-point gate and softmax kernels: the addon copy.') +
  '#pragma once\n\n#include <cstdint>\n';
for (const [name, a] of Object.entries(tables)) {
  as += `\nexport const ${name}: usize = memory.data<i32>([\n${lines(a)}\n]);\n`;
  ts += `\nexport const ${name} = Int32Array.from([\n${lines(a)}\n]);\n`;
  cc += `\ninline constexpr int32_t ${name}[${a.length}] = {\n${lines(a)}\n};\n`;
}
writeFileSync(join(root, 'assembly/fixed_tables.ts'), as);
writeFileSync(join(root, 'src/kernels/ref/fixed-tables.ts'), ts);
writeFileSync(join(root, 'native/src/fixed-tables.h'), cc);
