// SPDX-License-Identifier: MIT
// A queued run as a BullMQ job: what the coordinator sends, and how a worker checks it before
// it trains. The configuration passes the same schema as `train`; a scheme that is not built
// in travels inside the job (a worker reads no path a job names); `out` is a folder inside the
// worker's own folder, checked so that no job writes anywhere else.

import { isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { builtinSchemes, loadScheme } from '../../schemes/resolve.js';
import { parseScheme, type SchemeSpec } from '../../schemes/schema.js';
import { parseTrainConfig, type TrainConfig } from '../../train/config.js';
import type { RunSpec } from '../spec.js';

export const JOB_NAME = 'run';
/** A GAN run's samples.png among a stored run's files, base64 (a worker's final files are text). */
export const SAMPLES_B64 = 'samples.png.base64';

/**
 * Names of the built-in schemes, read once per process: builtinSchemes() parses every one of
 * them (milliseconds of CPU), and both sides of the queue asked for them once per job.
 */
let builtinNames: readonly string[] | null = null;
const builtins = (): readonly string[] => (builtinNames ??= builtinSchemes().map((s) => s.name));
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._=-]{0,199}$/;

const jobData = z.strictObject({
  v: z.literal(1, 'this worker reads jobs of format 1: update lowbit on one side'),
  /** The run's id: its folder name under DIR/runs on the coordinator. */
  run: z.string().regex(RUN_ID, 'a run id is letters, digits and . _ = - (at most 200)'),
  /** Where the worker trains it, relative to the worker's folder. */
  out: z.string().min(1),
  /** The run's `train` configuration. */
  config: z.record(z.string(), z.unknown()),
  /** The resolved scheme, when `config.scheme` is not a built-in name. */
  scheme: z.record(z.string(), z.unknown()).optional(),
});

export type JobData = z.input<typeof jobData>;

/** The job for a run: its configuration, and its scheme inline unless built in. */
export function jobFor(spec: RunSpec): JobData {
  const builtin = builtins().includes(spec.config.scheme);
  return {
    v: 1,
    run: spec.id,
    out: `runs/${spec.id}`,
    config: { ...spec.config },
    ...(builtin ? {} : { scheme: { ...loadScheme(spec.config.scheme) } }),
  };
}

export interface CheckedJob {
  readonly run: string;
  /** Absolute folder inside the worker's folder. */
  readonly dir: string;
  readonly config: TrainConfig;
  /** The scheme to write into the worker's folder, when not built in. */
  readonly scheme: SchemeSpec | null;
}

/** Validates a job against the worker's folder `root`; throws an error that says what is wrong. */
export function checkJob(data: unknown, root: string, jobId: string): CheckedJob {
  const r = jobData.safeParse(data);
  if (!r.success) throw new Error(`job ${jobId} is malformed:\n${z.prettifyError(r.error)}`);
  const j = r.data;
  const base = resolve(root);
  const dir = resolve(base, j.out);
  const rel = relative(base, dir);
  if (
    isAbsolute(j.out) ||
    rel === '' ||
    rel === '..' ||
    rel.startsWith(`..${sep}`) ||
    isAbsolute(rel)
  )
    throw new Error(
      `job ${jobId}: out "${j.out}" is outside the worker's folder: a job names a folder inside it, such as runs/${j.run}`,
    );
  const config = parseTrainConfig(j.config, `job ${jobId} configuration`);
  const names = builtins();
  let scheme: SchemeSpec | null = null;
  if (j.scheme) {
    scheme = parseScheme(j.scheme, `in job ${jobId}`);
    if (scheme.extends && !names.includes(scheme.extends))
      throw new Error(
        `job ${jobId}: its scheme extends "${scheme.extends}", which is not built in: jobs carry schemes resolved`,
      );
  } else if (typeof config.scheme !== 'string') {
    // A scheme given as an object is resolved already, unless it extends a file.
    const ext = (config.scheme as { extends?: unknown }).extends;
    if (ext !== undefined && !names.includes(String(ext)))
      throw new Error(
        `job ${jobId}: its scheme extends "${String(ext)}", which is not built in: jobs carry schemes resolved`,
      );
  } else if (!names.includes(config.scheme))
    throw new Error(
      `job ${jobId}: scheme "${config.scheme}" is not built in and the job carries none: a worker reads no file a job names`,
    );
  return { run: j.run, dir, config, scheme };
}
