// SPDX-License-Identifier: MIT
// Reading a run folder back for reports: config, per-epoch metrics, telemetry (epoch
// summaries, timelines, log2 histograms) and, for repro runs, the error that stopped it.

import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  parseJsonl,
  readConfig,
  readMetrics,
  TELEMETRY_FILE,
  type EpochMetrics,
} from '../train/run-folder.js';
import { schemeLabel, type TrainConfig } from '../train/config.js';
import {
  HISTOGRAM_FILE,
  TIMELINE_FILE,
  type HistogramRow,
  type SiteSummary,
} from '../train/telemetry.js';

/** Written by `lowbit repro` next to a run that stopped with an error (e.g. divergence). */
export const ERROR_FILE = 'error.txt';

export interface RunData {
  readonly dir: string;
  readonly id: string;
  readonly config: TrainConfig;
  /** The scheme's name (a file scheme's `name`, not its path). */
  readonly scheme: string;
  readonly metrics: EpochMetrics[];
  readonly telemetry: SiteSummary[];
  readonly timeline: SiteSummary[];
  readonly histograms: HistogramRow[];
  readonly error: string | null;
  /** All configured epochs are in metrics.jsonl. */
  readonly complete: boolean;
}

/** Rows of a JSON-lines file; a torn final line (a killed writer) is skipped. */
function readJsonl<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return parseJsonl<T>(readFileSync(path, 'utf8'), path);
}

function schemeName(dir: string, fallback: string): string {
  try {
    const raw = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as {
      resolvedScheme?: { name?: unknown };
    };
    const n = raw.resolvedScheme?.name;
    return typeof n === 'string' ? n : fallback;
  } catch {
    return fallback;
  }
}

export function loadRun(dir: string, withHistograms = true): RunData {
  const config = readConfig(dir);
  const metrics = readMetrics(dir);
  const errPath = join(dir, ERROR_FILE);
  return {
    dir,
    id: basename(dir),
    config,
    scheme: schemeName(dir, schemeLabel(config.scheme)),
    metrics,
    telemetry: readJsonl<SiteSummary>(join(dir, TELEMETRY_FILE)),
    timeline: readJsonl<SiteSummary>(join(dir, TIMELINE_FILE)),
    histograms: withHistograms ? readJsonl<HistogramRow>(join(dir, HISTOGRAM_FILE)) : [],
    error: existsSync(errPath) ? readFileSync(errPath, 'utf8').trim() : null,
    complete: metrics.length >= config.epochs,
  };
}

/** Final test accuracy (fraction), or null when no epoch finished. */
export function finalAcc(r: RunData | undefined): number | null {
  const m = r?.metrics.at(-1);
  return m && Number.isFinite(m.test_acc) ? m.test_acc : null;
}

/** Best test accuracy over epochs (the papers report final; both are shown). */
export function bestAcc(r: RunData | undefined): number | null {
  if (!r || !r.metrics.length) return null;
  return Math.max(...r.metrics.map((m) => m.test_acc).filter(Number.isFinite));
}
