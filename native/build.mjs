// SPDX-License-Identifier: MIT
// Builds the native kernels addon (native/binding.gyp) with node-gyp: at install (the
// package's `install` script), as part of `npm run build` (incremental: only changed files
// recompile) and by `npm run build:native` (--strict). Offline: it builds against Node's own
// headers (npm's nodedir setting, or <node prefix>/include/node) and never lets node-gyp
// download them. Without --strict it never fails: where the addon cannot build (no compiler,
// no headers, another architecture), lowbit uses its WebAssembly kernels and `lowbit train`
// says why; the compiler's output is kept in native/build/build.log.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
const quiet = process.argv.includes('--quiet');
const addon = join(here, 'build', 'Release', 'lowbit_native.node');
const log = join(here, 'build', 'build.log');

function finish(ok, message) {
  if (!ok || !quiet) (ok ? console.log : console.warn)(`lowbit native: ${message}`);
  process.exit(strict && !ok ? 1 : 0);
}

/** npm's own node-gyp (npm sets npm_config_node_gyp for scripts), or one next to npm. */
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    process.env.npm_execpath &&
      join(
        dirname(process.env.npm_execpath),
        '..',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
  ];
  return candidates.find((c) => c && c.endsWith('.js') && existsSync(c)) ?? null;
}

/** Headers for this Node without a download: nodedir argument(s) for node-gyp, or null. */
function headerArgs() {
  const configured = process.env.npm_config_nodedir;
  if (configured) return existsSync(join(configured, 'include', 'node', 'node_api.h')) ? [] : null;
  const prefix = dirname(dirname(process.execPath));
  const version = join(prefix, 'include', 'node', 'node_version.h');
  if (existsSync(version)) {
    const v = readFileSync(version, 'utf8');
    const part = (n) => v.match(new RegExp(`#define NODE_${n}_VERSION (\\d+)`))?.[1];
    const [major, minor, patch] = process.versions.node.split('.');
    if (part('MAJOR') === major && part('MINOR') === minor && part('PATCH') === patch)
      return [`--nodedir=${prefix}`];
  }
  // node-gyp's cache of headers downloaded earlier (used as is, nothing is fetched).
  const cache = join(homedir(), '.cache', 'node-gyp', process.versions.node, 'include', 'node');
  return existsSync(join(cache, 'node_api.h')) ? [] : null;
}

if (process.env.LOWBIT_SKIP_NATIVE === '1')
  finish(false, 'not built (LOWBIT_SKIP_NATIVE=1): lowbit uses the wasm kernels');
const gyp = findNodeGyp();
if (!gyp) finish(false, 'node-gyp not found (it comes with npm): lowbit uses the wasm kernels');
const headers = headerArgs();
if (!headers) {
  finish(
    false,
    `no headers of Node ${process.version} on this machine (set npm's nodedir to a Node ` +
      'source or headers folder): not built, lowbit uses the wasm kernels',
  );
}

// Configure once (or when binding.gyp changed); afterwards make rebuilds only what changed.
const makefile = join(here, 'build', 'Makefile');
const stale =
  !existsSync(makefile) || statSync(join(here, 'binding.gyp')).mtimeMs > statSync(makefile).mtimeMs;
const steps = stale ? [['configure'], ['build']] : [['build']];
mkdirSync(join(here, 'build'), { recursive: true });
let output = '';
for (const step of steps) {
  const r = spawnSync(
    process.execPath,
    [gyp, ...step, `--directory=${here}`, `--jobs=${availableParallelism()}`, ...headers],
    {
      encoding: 'utf8',
      timeout: 20 * 60 * 1000,
      env: { ...process.env, npm_config_loglevel: 'warn' },
    },
  );
  output += `$ node-gyp ${step.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}\n`;
  writeFileSync(log, output);
  if (r.status !== 0) {
    // An addon left from an earlier build would load and run the old kernels: remove it, so
    // that lowbit does use wasm as said (and LOWBIT_REQUIRE_NATIVE tests fail).
    rmSync(addon, { force: true });
    const why = r.error ? r.error.message : `node-gyp ${step[0]} exited with ${r.status}`;
    finish(false, `the addon did not build (${why}; see ${log}): lowbit uses the wasm kernels`);
  }
}
// The addon must load in a fresh process (same Node, same architecture).
const check = spawnSync(
  process.execPath,
  ['-e', `const a = require(${JSON.stringify(addon)}); console.log(a.cpu().isas.join(', '))`],
  { encoding: 'utf8' },
);
if (check.status !== 0) {
  writeFileSync(log, `${output}$ load check\n${check.stderr}`);
  rmSync(addon, { force: true });
  finish(false, `the addon built but does not load (see ${log}): lowbit uses the wasm kernels`);
}
finish(true, `built ${addon} (kernels: ${check.stdout.trim()})`);
