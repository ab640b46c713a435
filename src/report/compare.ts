// SPDX-License-Identifier: MIT
// `lowbit report DIR...`: a comparison report from any run folders - a summary table, training
// curves, and from telemetry the bit-width and exponent timelines, saturation and underflow
// rates and log2 distributions of each site.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { barFigure, lineFigure, log2HistFigure } from './charts.js';
import { bestAcc, finalAcc, loadRun, type RunData } from './run-data.js';
import type { Figure, Report, Section, Table } from './types.js';

/** Run folders in the given paths: a path with config.json, or its subfolders that have one. */
export function findRunDirs(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p))
      throw new Error(
        `${p} does not exist: give run folders (with config.json) or folders holding them`,
      );
    if (existsSync(join(p, 'config.json'))) out.push(p);
    else {
      const kids = readdirSync(p)
        .map((k) => join(p, k))
        .filter((k) => statSync(k).isDirectory() && existsSync(join(k, 'config.json')));
      if (!kids.length) throw new Error(`${p} is not a run folder and holds none (no config.json)`);
      out.push(...kids.sort());
    }
  }
  return out;
}

const pct = (x: number | null): number | null => (x === null ? null : Math.round(x * 10000) / 100);

function summaryTable(runs: readonly RunData[]): Table {
  return {
    title: 'Runs',
    columns: [
      'run',
      'model',
      'dataset',
      'scheme',
      'epochs',
      'final test acc (%)',
      'best test acc (%)',
      'final loss',
      'samples/s',
      'status',
    ],
    rows: runs.map((r) => {
      const m = r.metrics.at(-1);
      return [
        r.id,
        r.config.model,
        r.config.dataset,
        r.scheme,
        `${r.metrics.length}/${r.config.epochs}`,
        pct(finalAcc(r)),
        pct(bestAcc(r)),
        m ? Math.round(m.train_loss * 10000) / 10000 : null,
        m ? Math.round(m.samples_per_s) : null,
        r.error ? `error: ${r.error}` : r.complete ? 'complete' : 'partial',
      ];
    }),
  };
}

/** Per-site telemetry of one run: timelines, saturation/underflow, the last distributions. */
function telemetrySection(r: RunData, idx: number): Section | null {
  if (!r.timeline.length && !r.telemetry.length) return null;
  const figures: Figure[] = [];
  for (const site of ['E', 'A', 'W', 'G']) {
    const rows = r.timeline.filter((t) => t.site === site);
    if (!rows.length) continue;
    if (rows.some((t) => t.bits_mean < 32)) {
      figures.push(
        lineFigure(
          rows.map((t) => ({ step: t.step ?? 0, bits: t.bits_mean, layer: t.layer })),
          {
            title: `${site}: bit-width per layer`,
            x: 'step',
            y: 'bits',
            series: 'layer',
            xTitle: 'step',
            yTitle: 'mean bits',
          },
        ),
      );
      const ex = rows.filter((t) => t.exp_mean !== null);
      if (ex.length)
        figures.push(
          lineFigure(
            ex.map((t) => ({ step: t.step ?? 0, exp: t.exp_mean, layer: t.layer })),
            {
              title: `${site}: exponent per layer`,
              x: 'step',
              y: 'exp',
              series: 'layer',
              xTitle: 'step',
              yTitle: 'mean exponent',
            },
          ),
        );
    }
  }
  const lastEpoch = Math.max(0, ...r.telemetry.map((t) => t.epoch));
  const last = r.telemetry.filter((t) => t.epoch === lastEpoch);
  const quantized = last.filter((t) => t.bits_mean < 32);
  if (quantized.length) {
    figures.push(
      barFigure(
        quantized.flatMap((t) => [
          { site: `${t.layer}.${t.site}`, rate: t.saturation_rate, kind: 'saturated' },
          { site: `${t.layer}.${t.site}`, rate: t.underflow_rate, kind: 'underflow' },
        ]),
        {
          title: `Saturation and underflow rates, epoch ${lastEpoch}`,
          x: 'site',
          y: 'rate',
          series: 'kind',
          yTitle: 'share of values',
          yFormat: '%',
        },
      ),
    );
  }
  for (const site of ['E', 'W', 'A', 'G']) {
    const hs = r.histograms.filter((h) => h.site === site);
    if (!hs.length) continue;
    const lastStep = Math.max(...hs.map((h) => h.step));
    const h = hs.filter((x) => x.step === lastStep)[0];
    const rows = (['input', 'output'] as const).flatMap((k) => {
      const hh = h[k];
      const n = hh.counts.reduce((a, b) => a + b, 0) + hh.zeros;
      return hh.counts.map((c, i) => ({
        bin: hh.lo + i,
        share: c / Math.max(1, n),
        series: k === 'input' ? 'before quantization' : 'after',
      }));
    });
    figures.push(
      log2HistFigure(
        rows,
        `${site} of ${h.layer}: distribution at step ${h.step}`,
        `${h.bits}-bit; zeros after: ${h.output.zeros} of ${h.output.zeros + h.output.counts.reduce((a, b) => a + b, 0)}`,
      ),
    );
  }
  const table: Table = {
    title: `Per-site telemetry, epoch ${lastEpoch}`,
    columns: [
      'layer',
      'site',
      'bits (min-max)',
      'exp (min-max)',
      'saturated (%)',
      'underflow (%)',
      'QEM Diff',
      'adjustments',
    ],
    rows: last.map((t) => [
      t.layer,
      t.site,
      t.bits_min === t.bits_max ? String(t.bits_min) : `${t.bits_min}-${t.bits_max}`,
      t.exp_min === null ? null : `${t.exp_min}..${t.exp_max}`,
      pct(t.saturation_rate),
      pct(t.underflow_rate),
      t.qem_diff === null || t.qem_diff === undefined ? null : Math.round(t.qem_diff * 1e4) / 1e4,
      t.adjustments ?? 0,
    ]),
  };
  return {
    id: `run-${idx}`,
    title: `Telemetry: ${r.id}`,
    source: r.dir,
    claim: `${r.config.model} on ${r.config.dataset}, scheme ${r.scheme}`,
    paper: [],
    tables: [table],
    figures,
    verdict: { reproduced: null, text: 'telemetry of one run' },
    setting: `${r.config.epochs} epochs, batch ${r.config.batch}, lr ${r.config.lr}, seed ${r.config.seed}`,
  };
}

export function compareReport(dirs: readonly string[]): Report {
  const runs = findRunDirs(dirs).map((d) => loadRun(d));
  const curves = (metric: 'test_acc' | 'train_loss'): Figure =>
    lineFigure(
      runs.flatMap((r) =>
        r.metrics.map((m) => ({ epoch: m.epoch, value: m[metric], run: `${r.id}` })),
      ),
      {
        title: metric === 'test_acc' ? 'Test accuracy per epoch' : 'Training loss per epoch',
        x: 'epoch',
        y: 'value',
        series: 'run',
        yTitle: metric,
        yFormat: metric === 'test_acc' ? '%' : '',
        points: true,
      },
    );
  const overview: Section = {
    id: 'overview',
    title: 'Comparison',
    source: runs.map((r) => r.dir).join(', '),
    claim: `${runs.length} runs`,
    paper: [],
    tables: [summaryTable(runs)],
    figures: [curves('test_acc'), curves('train_loss')],
    verdict: { reproduced: null, text: 'a comparison of run folders' },
    setting: 'as configured in each run folder (config.json)',
  };
  const tel = runs.map(telemetrySection).filter((s): s is Section => s !== null);
  return {
    title: 'lowbit run comparison',
    subtitle: `${runs.length} run folders`,
    sections: [overview, ...tel],
  };
}
