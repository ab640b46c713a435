// SPDX-License-Identifier: MIT
// Per-site telemetry: a sink the quantizers report to. It aggregates per epoch and site
// (calls, mean exponent, bit-width, saturation and underflow rates) so it stays cheap; off,
// the quantizers skip it entirely.

import type { SiteRecord, TelemetrySink } from '../quant/site.js';

interface Acc {
  calls: number;
  count: number;
  saturated: number;
  underflow: number;
  expSum: number;
  expMin: number;
  expMax: number;
  bitsSum: number;
  bitsMin: number;
  bitsMax: number;
}

export interface SiteSummary {
  readonly epoch: number;
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
}

export class EpochTelemetry implements TelemetrySink {
  readonly wantsValues = false;
  private readonly acc = new Map<string, Acc>();

  record(r: SiteRecord): void {
    const key = `${r.layer}\u0000${r.site}`;
    let a = this.acc.get(key);
    if (!a) {
      a = { calls: 0, count: 0, saturated: 0, underflow: 0, expSum: 0, expMin: Infinity, expMax: -Infinity, bitsSum: 0, bitsMin: Infinity, bitsMax: -Infinity };
      this.acc.set(key, a);
    }
    a.calls++;
    a.count += r.count;
    a.saturated += r.saturated;
    a.underflow += r.underflow;
    if (Number.isFinite(r.exp)) {
      a.expSum += r.exp;
      a.expMin = Math.min(a.expMin, r.exp);
      a.expMax = Math.max(a.expMax, r.exp);
    }
    a.bitsSum += r.bits;
    a.bitsMin = Math.min(a.bitsMin, r.bits);
    a.bitsMax = Math.max(a.bitsMax, r.bits);
  }

  /** Summaries of the epoch so far, then cleared. */
  flush(epoch: number): SiteSummary[] {
    const out: SiteSummary[] = [];
    for (const [key, a] of this.acc) {
      const [layer, site] = key.split('\u0000');
      const finite = a.expMin <= a.expMax;
      out.push({
        epoch,
        layer,
        site,
        calls: a.calls,
        values: a.count,
        saturation_rate: a.count ? a.saturated / a.count : 0,
        underflow_rate: a.count ? a.underflow / a.count : 0,
        exp_mean: finite ? a.expSum / a.calls : null,
        exp_min: finite ? a.expMin : null,
        exp_max: finite ? a.expMax : null,
        bits_mean: a.bitsSum / a.calls,
        bits_min: a.bitsMin,
        bits_max: a.bitsMax,
      });
    }
    this.acc.clear();
    return out;
  }
}
