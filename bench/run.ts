// SPDX-License-Identifier: MIT
// Runs the benches: every file in this folder exporting `bench` (see harness.ts), or only
// those named on the command line (`npm run bench -- gemm`). Options after the names go to the
// chosen benches (`npm run bench -- models --quick`). Add a bench by adding a file.

import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeResults, type Bench } from './harness.js';

function isBench(x: unknown): x is Bench {
  return (
    typeof x === 'object' && x !== null && 'name' in x && 'run' in x && typeof x.run === 'function'
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const firstOption = argv.findIndex((a) => a.startsWith('-'));
  const only = firstOption < 0 ? argv : argv.slice(0, firstOption);
  const args = firstOption < 0 ? [] : argv.slice(firstOption);
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const files = (await readdir(dir))
    .filter((f) => f.endsWith('.js') && !['run.js', 'harness.js'].includes(f))
    .sort();
  const benches: Bench[] = [];
  for (const f of files) {
    const mod: { bench?: unknown } = await import(new URL(f, import.meta.url).href);
    if (isBench(mod.bench)) benches.push(mod.bench);
  }
  const chosen = only.length ? benches.filter((b) => only.includes(b.name)) : benches;
  if (args.length && !only.length) {
    throw new Error(
      `options (${args.join(' ')}) need a bench name: npm run bench -- NAME ${args[0]}`,
    );
  }
  const unknown = only.filter((n) => !benches.some((b) => b.name === n));
  if (unknown.length) {
    throw new Error(
      `no bench named ${unknown.join(', ')}: have ${benches.map((b) => b.name).join(', ')}`,
    );
  }
  for (const b of chosen) {
    console.log(`\n== ${b.name}: ${b.description}`);
    const data = await b.run(args);
    if (!data) continue;
    const file = await writeResults(b.name, {
      bench: b.name,
      date: new Date().toISOString(),
      node: process.version,
      ...data,
    });
    console.log(`results: ${file}`);
  }
}

await main();
