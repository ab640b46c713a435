// SPDX-License-Identifier: MIT
// Figures as Vega-Lite specs, rendered to SVG strings in Node with vega's headless `none`
// renderer (no canvas, no browser): the report embeds the SVG inline.

import { compile, type TopLevelSpec } from 'vega-lite';
import { parse, View } from 'vega';
import type { Figure } from './types.js';

type Row = Record<string, string | number | null>;

const WIDTH = 380;
const HEIGHT = 220;

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface LineOptions {
  title: string;
  x: string;
  y: string;
  series: string;
  /** Legend title (default: the series field's name). */
  seriesTitle?: string;
  xTitle?: string;
  yTitle?: string;
  yFormat?: string;
  /** Whole-number ticks on x (epochs, steps, bits), never "1.000000". */
  xInteger?: boolean;
  caption?: string;
  /** Draw points too (short series). */
  points?: boolean;
}

/** One line per series: training curves, timelines. */
export function lineFigure(rows: Row[], o: LineOptions): Figure {
  // Points not measured (an epoch without a test pass holds NaN) are left out: the line joins
  // the epochs that were tested.
  const values = rows.filter((r) => {
    const y = r[o.y];
    return typeof y !== 'number' || Number.isFinite(y);
  });
  const spec: TopLevelSpec = {
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    mark: { type: 'line', point: o.points ?? values.length < 60, interpolate: 'linear' },
    encoding: {
      x: {
        field: o.x,
        type: 'quantitative',
        title: o.xTitle ?? o.x,
        ...(o.xInteger ? { axis: { format: 'd', tickMinStep: 1 } } : {}),
      },
      y: {
        field: o.y,
        type: 'quantitative',
        title: o.yTitle ?? o.y,
        scale: { zero: false },
        axis: { format: o.yFormat ?? '' },
      },
      color: { field: o.series, type: 'nominal', title: o.seriesTitle ?? o.series },
    },
  };
  return { title: o.title, spec, caption: o.caption };
}

export interface BarOptions {
  title: string;
  /** Category on the x axis. */
  x: string;
  y: string;
  /** Bars side by side per x category, coloured by this field. */
  series?: string;
  yTitle?: string;
  yFormat?: string;
  caption?: string;
  stack?: boolean;
}

/** Grouped (or stacked) bars: accuracies per scheme, shares per layer. */
export function barFigure(rows: Row[], o: BarOptions): Figure {
  const spec: TopLevelSpec = {
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: o.x, type: 'nominal', title: o.x, sort: null, axis: { labelAngle: -30 } },
      y: {
        field: o.y,
        type: 'quantitative',
        title: o.yTitle ?? o.y,
        axis: { format: o.yFormat ?? '' },
        ...(o.stack ? {} : { stack: null }),
      },
      ...(o.series
        ? {
            color: { field: o.series, type: 'nominal', title: o.series },
            ...(o.stack ? {} : { xOffset: { field: o.series, type: 'nominal' } }),
          }
        : {}),
    },
  };
  return { title: o.title, spec, caption: o.caption };
}

/**
 * Log2 histograms (share of values per octave), one stepped line per series, as in the papers'
 * distribution figures; zeros are drawn at the left end as their own bar-like step.
 */
export function log2HistFigure(
  rows: { bin: number; share: number; series: string }[],
  title: string,
  caption?: string,
): Figure {
  const spec: TopLevelSpec = {
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    mark: { type: 'line', interpolate: 'step-after', point: false },
    encoding: {
      x: { field: 'bin', type: 'quantitative', title: 'log2 |x|' },
      y: { field: 'share', type: 'quantitative', title: 'share of values', axis: { format: '%' } },
      color: { field: 'series', type: 'nominal', title: '' },
    },
  };
  return { title, spec, caption };
}

/** A line per series with a shaded band from `lo` to `hi` (the spread over seeds). */
export function bandFigure(rows: Row[], o: LineOptions): Figure {
  const x = {
    field: o.x,
    type: 'quantitative' as const,
    title: o.xTitle ?? o.x,
    ...(o.xInteger ? { axis: { format: 'd', tickMinStep: 1 } } : {}),
  };
  const color = { field: o.series, type: 'nominal' as const, title: o.seriesTitle ?? o.series };
  const spec: TopLevelSpec = {
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'area', opacity: 0.2 },
        encoding: {
          x,
          y: { field: 'lo', type: 'quantitative', scale: { zero: false } },
          y2: { field: 'hi' },
          color,
        },
      },
      {
        mark: { type: 'line', point: o.points ?? rows.length < 60 },
        encoding: {
          x,
          y: {
            field: o.y,
            type: 'quantitative',
            title: o.yTitle ?? o.y,
            scale: { zero: false },
            axis: { format: o.yFormat ?? '' },
          },
          color,
        },
      },
    ],
  };
  return { title: o.title, spec, caption: o.caption };
}

/**
 * Bars of the mean over seeds with an error bar of ± 1 sd and one dot per seed: one row per
 * (category, seed) with the seed's value in `y`.
 */
export function seedBarFigure(rows: Row[], o: BarOptions): Figure {
  const x = {
    field: o.x,
    type: 'nominal' as const,
    title: o.x,
    sort: null,
    axis: { labelAngle: -30 },
  };
  const off = o.series ? { xOffset: { field: o.series, type: 'nominal' as const } } : {};
  const color = o.series ? { color: { field: o.series, type: 'nominal' as const } } : {};
  const y = {
    field: o.y,
    type: 'quantitative' as const,
    title: o.yTitle ?? o.y,
    axis: { format: o.yFormat ?? '' },
    scale: { zero: false },
  };
  const spec: TopLevelSpec = {
    width: WIDTH,
    height: HEIGHT,
    data: { values: rows },
    layer: [
      {
        mark: { type: 'bar', opacity: 0.55 },
        encoding: { x, y: { ...y, aggregate: 'mean', stack: null }, ...off, ...color },
      },
      {
        mark: { type: 'errorbar', extent: 'stdev', ticks: true },
        encoding: { x, y, ...off },
      },
      {
        mark: { type: 'point', filled: true, size: 22, color: '#222' },
        encoding: { x, y, ...off },
      },
    ],
  };
  return {
    title: o.title,
    spec,
    caption: o.caption ?? 'bar: mean over seeds; whisker: ± 1 sd; dots: each seed',
  };
}
