// SPDX-License-Identifier: MIT
// Per-site telemetry: the sink the quantizers report to during `train --telemetry`. Three
// kinds of rows, handed to the run's store once per epoch (a run folder appends them to):
//   telemetry.jsonl   per epoch, layer and site: calls, exponent and bit-width range,
//                     saturation and underflow rates, mean QEM Diff, adaptive adjustments
//   timeline.jsonl    the same per window of `every` steps (exponent / bit-width timelines)
//   histograms.jsonl  on every `every`-th step: log2 histograms of |x| before and after
//                     quantization (bin b counts values in [2^b, 2^(b+1)), zeros apart)
// Off, the quantizers skip the sink entirely; on, only sampled steps look at the values.

import type { SiteRecord, TelemetrySink } from '../quant/site.js';
import type { Tensor } from '../tensor/tensor.js';

export const TELEMETRY_FILE = 'telemetry.jsonl';
export const TIMELINE_FILE = 'timeline.jsonl';
export const HISTOGRAM_FILE = 'histograms.jsonl';

/** Lowest and highest log2 bin kept; values outside are counted in the end bins. */
export const HIST_MIN_BIN = -64;
export const HIST_MAX_BIN = 63;

interface Acc {
  calls: number;
  count: number;
  saturated: number;
  underflow: number;
  expSum: number;
  expCalls: number;
  expMin: number;
  expMax: number;
  bitsSum: number;
  bitsMin: number;
  bitsMax: number;
  diffSum: number;
  diffCalls: number;
  adjustments: number;
  byBits: Record<string, number>;
}

function emptyAcc(): Acc {
  return {
    calls: 0,
    count: 0,
    saturated: 0,
    underflow: 0,
    expSum: 0,
    expCalls: 0,
    expMin: Infinity,
    expMax: -Infinity,
    bitsSum: 0,
    bitsMin: Infinity,
    bitsMax: -Infinity,
    diffSum: 0,
    diffCalls: 0,
    adjustments: 0,
    byBits: {},
  };
}

function addTo(a: Acc, r: SiteRecord): void {
  a.calls++;
  a.count += r.count;
  a.saturated += r.saturated;
  a.underflow += r.underflow;
  if (Number.isFinite(r.exp)) {
    a.expSum += r.exp;
    a.expCalls++;
    a.expMin = Math.min(a.expMin, r.exp);
    a.expMax = Math.max(a.expMax, r.exp);
  }
  a.bitsSum += r.bits;
  a.bitsMin = Math.min(a.bitsMin, r.bits);
  a.bitsMax = Math.max(a.bitsMax, r.bits);
  if (r.diff !== undefined && Number.isFinite(r.diff)) {
    a.diffSum += r.diff;
    a.diffCalls++;
  }
  if (r.adjusted) a.adjustments++;
  a.byBits[r.bits] = (a.byBits[r.bits] ?? 0) + r.count;
}

/** One row of telemetry.jsonl (per epoch) or timeline.jsonl (per window of steps). */
export interface SiteSummary {
  readonly epoch: number;
  /** First step of the window (timeline rows only). */
  readonly step?: number;
  readonly layer: string;
  readonly site: string;
  readonly calls: number;
  readonly values: number;
  readonly saturation_rate: number;
  readonly underflow_rate: number;
  readonly exp_mean: number | null;
  readonly exp_min: number | null;
  readonly exp_max: number | null;
  readonly bits_mean: number;
  readonly bits_min: number;
  readonly bits_max: number;
  /** Mean QEM Diff (Zhang et al. eq. 2) of the calls that computed it. */
  readonly qem_diff: number | null;
  /** Calls at which an adaptive quantizer re-chose its width or resolution. */
  readonly adjustments: number;
  /** Values quantized at each mantissa width, e.g. { "8": 1200, "16": 300 }. */
  readonly values_by_bits: Readonly<Record<string, number>>;
}

function summarise(a: Acc, epoch: number, layer: string, site: string, step?: number): SiteSummary {
  const finite = a.expCalls > 0;
  return {
    epoch,
    ...(step !== undefined ? { step } : {}),
    layer,
    site,
    calls: a.calls,
    values: a.count,
    saturation_rate: a.count ? a.saturated / a.count : 0,
    underflow_rate: a.count ? a.underflow / a.count : 0,
    exp_mean: finite ? a.expSum / a.expCalls : null,
    exp_min: finite ? a.expMin : null,
    exp_max: finite ? a.expMax : null,
    bits_mean: a.bitsSum / a.calls,
    bits_min: a.bitsMin,
    bits_max: a.bitsMax,
    qem_diff: a.diffCalls ? a.diffSum / a.diffCalls : null,
    adjustments: a.adjustments,
    values_by_bits: a.byBits,
  };
}

/** A log2 histogram of |x|: counts[i] = values with floor(log2|x|) = lo + i. */
export interface Log2Hist {
  lo: number;
  counts: number[];
  zeros: number;
  /** max |x| (0 for an all-zero tensor). */
  max: number;
}

/** One row of histograms.jsonl: a site's values at one sampled step. */
export interface HistogramRow {
  readonly epoch: number;
  readonly step: number;
  readonly layer: string;
  readonly site: string;
  readonly bits: number;
  readonly exp: number | null;
  readonly input: Log2Hist;
  readonly output: Log2Hist;
}

/** Log2 histogram of a tensor's magnitudes (fixed-point values are mant * 2^exp, exactly). */
export function log2Histogram(t: Tensor): Log2Hist {
  // A sampled ResNet-20 step hands over ~60M values; Math.log2 per value made it ~15 steps'
  // worth. The bin is read from the bits instead: a float32's exponent field, an integer
  // mantissa's highest set bit (plus exp). Both give floor(log2|x|) exactly, as Math.log2 did.
  const full = new Float64Array(HIST_MAX_BIN - HIST_MIN_BIN + 1);
  const r =
    t.kind === 'float'
      ? float32Bins(t.data, full)
      : // 2^exp outside float64's range (never seen in training) keeps the float64 rounding.
        t.mant instanceof Float64Array || t.exp < -1074 || t.exp > 1023
        ? genericBins(t.mant, 2 ** t.exp, full)
        : intBins(t.mant, t.exp, full);
  const first = full.findIndex((c) => c > 0);
  if (first < 0) return { lo: 0, counts: [], zeros: r.zeros, max: r.max };
  let last = full.length - 1;
  while (full[last] === 0) last--;
  return {
    lo: first + HIST_MIN_BIN,
    counts: Array.from(full.subarray(first, last + 1)),
    zeros: r.zeros,
    max: r.max,
  };
}

interface BinTotals {
  zeros: number;
  max: number;
}

const clampBin = (b: number): number => Math.min(HIST_MAX_BIN, Math.max(HIST_MIN_BIN, b));

/**
 * float32 values: |x| = 1.f * 2^(e - 127) for exponent field e in 1..254, so floor(log2|x|)
 * = e - 127; e = 0 is a zero or a subnormal (below 2^-126: the lowest bin, -64); e = 255 with
 * a zero fraction is Infinity (the top bin, max Infinity), with a nonzero one NaN (not
 * counted). |x|'s bits order as |x| does, so the max is the largest of them.
 */
function float32Bins(x: Float32Array, full: Float64Array): BinTotals {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  let zeros = 0;
  let maxBits = 0;
  for (let i = 0; i < u.length; i++) {
    const a = u[i] & 0x7fffffff;
    if (a === 0) {
      zeros++;
      continue;
    }
    if (a > 0x7f800000) continue; // NaN
    if (a > maxBits) maxBits = a;
    const e = a >>> 23;
    full[(e === 0 ? HIST_MIN_BIN : clampBin(e - 127)) - HIST_MIN_BIN]++;
  }
  const m = new Float32Array(new Uint32Array([maxBits]).buffer)[0];
  return { zeros, max: m };
}

/** Integer mantissas m * 2^exp: floor(log2|x|) = 31 - clz32(|m|) + exp. */
function intBins(
  m: Int8Array | Int16Array | Int32Array,
  exp: number,
  full: Float64Array,
): BinTotals {
  let zeros = 0;
  let maxM = 0;
  for (let i = 0; i < m.length; i++) {
    // |-2^31| is 2^31, whose clz32 is 0 (>>> 0 keeps it unsigned).
    const a = Math.abs(m[i]) >>> 0;
    if (a === 0) {
      zeros++;
      continue;
    }
    if (a > maxM) maxM = a;
    full[clampBin(31 - Math.clz32(a) + exp) - HIST_MIN_BIN]++;
  }
  return { zeros, max: maxM * 2 ** exp };
}

/** Any other values (float64 mantissas times `scale`), through Math.log2. */
function genericBins(v: ArrayLike<number>, scale: number, full: Float64Array): BinTotals {
  let zeros = 0;
  let max = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i] * scale);
    if (a === 0) {
      zeros++;
      continue;
    }
    if (a > max) max = a;
    full[clampBin(Math.floor(Math.log2(a))) - HIST_MIN_BIN]++;
  }
  return { zeros, max };
}

/**
 * Share of the nonzero values of a histogram with |x| >= 2^-k * R, R = 2^round(log2 max|x|):
 * what WAGEUBN's Fig. 9 calls the data ratio a k-bit error format covers (k = 8 for 8-bit
 * Q_E2, 15 for the 9-bit flag format). Exact, since R is a power of two and bins are octaves.
 */
export function coveredShare(h: Log2Hist, k: number): number {
  const nonzero = h.counts.reduce((a, b) => a + b, 0);
  if (!nonzero) return 0;
  const r = Math.round(Math.log2(h.max));
  let covered = 0;
  h.counts.forEach((c, i) => {
    if (h.lo + i >= r - k) covered += c;
  });
  return covered / nonzero;
}

/**
 * The sink. `totalSteps` sets the sampling period so that a run keeps about `samples`
 * histogram snapshots and timeline windows, whatever its length.
 */
export class RunTelemetry implements TelemetrySink {
  readonly every: number;
  private step = 0;
  private epochAcc = new Map<string, Acc>();
  private windowAcc = new Map<string, Acc>();
  private windowStart = 0;
  private timeline: SiteSummary[] = [];
  private hists: HistogramRow[] = [];
  private histAt = new Map<string, HistogramRow>();
  private epoch = 0;

  constructor(totalSteps: number, samples = 40) {
    this.every = Math.max(1, Math.round(totalSteps / samples));
  }

  /** True on sampled steps only: then the quantizers hand over their tensors. */
  get wantsValues(): boolean {
    return this.step % this.every === 0;
  }

  /** Called by the trainer before each step (idempotent within a step). */
  beginStep(step: number, epoch: number): void {
    this.epoch = epoch + 1;
    if (step >= this.windowStart + this.every) {
      this.closeWindow();
      this.windowStart = step;
    }
    if (step !== this.step) this.histAt.clear();
    this.step = step;
  }

  record(r: SiteRecord): void {
    const key = `${r.layer}\u0000${r.site}`;
    for (const m of [this.epochAcc, this.windowAcc]) {
      let a = m.get(key);
      if (!a) m.set(key, (a = emptyAcc()));
      addTo(a, r);
    }
    if (r.input && r.output) this.addHist(key, r, r.input, r.output);
  }

  private addHist(key: string, r: SiteRecord, input: Tensor, output: Tensor): void {
    const hin = log2Histogram(input);
    const hout = log2Histogram(output);
    const prev = this.histAt.get(key);
    if (prev) {
      // A site called twice in a step (shared layer): merge into one snapshot.
      mergeHist(prev.input, hin);
      mergeHist(prev.output, hout);
      return;
    }
    const row: HistogramRow = {
      epoch: this.epoch,
      step: this.step,
      layer: r.layer,
      site: r.site,
      bits: r.bits,
      exp: Number.isFinite(r.exp) ? r.exp : null,
      input: hin,
      output: hout,
    };
    this.histAt.set(key, row);
    this.hists.push(row);
  }

  private closeWindow(): void {
    for (const [key, a] of this.windowAcc) {
      const [layer, site] = key.split('\u0000');
      this.timeline.push(summarise(a, this.epoch, layer, site, this.windowStart));
    }
    this.windowAcc.clear();
  }

  /** Per-site summaries of the epoch so far, then cleared. */
  flush(epoch: number): SiteSummary[] {
    const out: SiteSummary[] = [];
    for (const [key, a] of this.epochAcc) {
      const [layer, site] = key.split('\u0000');
      out.push(summarise(a, epoch, layer, site));
    }
    this.epochAcc.clear();
    return out;
  }

  /** The epoch's rows (per-site summaries, timeline windows, histograms), then cleared. */
  takeEpoch(epoch: number): TelemetryRows {
    const sites = this.flush(epoch);
    // Windows end with the epoch; the next epoch's first step opens a new one.
    this.closeWindow();
    this.windowStart = this.step + 1;
    const rows = { sites, timeline: this.timeline, histograms: this.hists };
    this.timeline = [];
    this.hists = [];
    return rows;
  }
}

function mergeHist(into: Log2Hist, h: Log2Hist): void {
  into.zeros += h.zeros;
  into.max = Math.max(into.max, h.max);
  if (!h.counts.length) return;
  if (!into.counts.length) {
    into.lo = h.lo;
    into.counts = [...h.counts];
    return;
  }
  const lo = Math.min(into.lo, h.lo);
  const hi = Math.max(into.lo + into.counts.length, h.lo + h.counts.length);
  const c = new Array<number>(hi - lo).fill(0);
  into.counts.forEach((v, i) => (c[into.lo - lo + i] += v));
  h.counts.forEach((v, i) => (c[h.lo - lo + i] += v));
  into.lo = lo;
  into.counts = c;
}

/** One epoch's telemetry (runs with `telemetry` on); the rows are above. */
export interface TelemetryRows {
  /** Per layer and site over the epoch (telemetry.jsonl). */
  readonly sites: SiteSummary[];
  /** Per window of steps (timeline.jsonl). */
  readonly timeline: SiteSummary[];
  /** Sampled log2 histograms (histograms.jsonl). */
  readonly histograms: HistogramRow[];
}
