// SPDX-License-Identifier: MIT
// What a report is made of: tables, figures (Vega-Lite specs, rendered to inline SVG) and
// sections that put the paper's result next to ours.

import type { TopLevelSpec } from 'vega-lite';

export type Cell = string | number | null;

export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly Cell[])[];
  /** One line under the table: units, what a blank means, scale. */
  readonly note?: string;
}

export interface Figure {
  readonly title: string;
  readonly spec: TopLevelSpec;
  readonly caption?: string;
}

/** A picture a run made (a GAN's sample grid), embedded in the report as a data URI. */
export interface Picture {
  readonly title: string;
  /** data:image/png;base64,... (the report stays one self-contained file). */
  readonly src: string;
  readonly alt: string;
  readonly caption?: string;
}

/**
 * Did the paper's finding hold in our runs? null: could not be judged (missing runs), or, with
 * `inconclusive`, judged but within the seeds' noise.
 */
export interface Verdict {
  readonly reproduced: boolean | null;
  readonly inconclusive?: boolean;
  readonly text: string;
  /** Replaces the word (a check rather than a paper's finding, e.g. "Converged"). */
  readonly word?: string;
}

/** The verdict in one word or two, as the report and the command line print it. */
export function verdictWord(v: Verdict): string {
  if (v.word) return v.word;
  if (v.reproduced === null) return v.inconclusive ? 'Inconclusive' : 'Not judged';
  return v.reproduced ? 'Reproduced' : 'Not reproduced';
}

export interface Section {
  readonly id: string;
  readonly title: string;
  /** The paper and where in it (e.g. "Su et al. 2020, Table 1"). */
  readonly source: string;
  /** The paper's finding in one or two sentences ('' for none, as in a sweep). */
  readonly claim: string;
  /** The paper's own numbers, transcribed. */
  readonly paper: readonly Table[];
  /** Ours. */
  readonly tables: readonly Table[];
  readonly figures: readonly Figure[];
  /** Pictures runs made, shown after the figures. */
  readonly pictures?: readonly Picture[];
  /** Shown when its text is not empty. */
  readonly verdict: Verdict;
  /** How our setting differs from the paper's (model, data, epochs). */
  readonly setting: string;
}

export interface Report {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly Section[];
}
