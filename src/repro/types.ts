// SPDX-License-Identifier: MIT
// An experiment of the repro suite: a named list of ordinary `train` runs plus how to turn
// their run folders into the paper's table or figure, next to the paper's own numbers.

import type { RunSpec } from '../sweep/spec.js';
import type { SchemeInput } from '../schemes/schema.js';
import type { RunData } from '../report/run-data.js';
import type { Figure, Picture, Table, Verdict } from '../report/types.js';

/** Sizes of one setting (a model on a dataset) at a given scale. */
export interface Setting {
  readonly model: string;
  readonly dataset: string;
  readonly epochs: number;
  readonly limit?: number;
  readonly testLimit?: number;
  readonly batch: number;
  readonly lr: number;
  /** Default sgd (momentum 0.9). */
  readonly optimizer?: 'sgd' | 'adam';
  /** Default constant; medium decays with cosine so that curves settle. */
  readonly schedule?: 'constant' | 'cosine';
  /** Cosine only: the rate the decay ends at (WAGEUBN holds the rate in k_lr bits: not 0). */
  readonly lrMin?: number;
  /** Steps its telemetry runs sample (default 40): fewer where a sampled step is costly. */
  readonly telemetrySamples?: number;
  /**
   * Test pass every n-th epoch (default each), and after every epoch of the convergence
   * check's window: where a test pass costs much (ResNet-20's 1,000 images are ~15% of a run).
   */
  readonly evalEvery?: number;
}

export interface Scale {
  readonly name: 'quick' | 'medium' | 'full';
  /** Shown on every section: how far this is from the paper's scale. */
  readonly label: string;
  /** LeNet-5 on MNIST. */
  readonly mnist: Setting;
  /** A BN-ResNet on shapes32 (the CIFAR-10 analogue): ResNet-20 in full, ResNet-8 in quick. */
  readonly resnet: Setting;
  /**
   * The second model of the two-model tables (Su Table 1, Zhang Table 1, Park Table 1): the
   * ResNet setting in full (runs shared), a cheaper one in quick so the ResNet budget goes to
   * the experiments that need BatchNorm (Su Table 2, WAGEUBN).
   */
  readonly second: Setting;
  /** MLP on gauss-N (N set per run). */
  readonly gauss: Omit<Setting, 'dataset'>;
  /** Classes N of the gauss-N sweep, and classifier widths tried. */
  readonly gaussClasses: readonly number[];
  readonly classifierBits: readonly number[];
  /**
   * Seeds every run is repeated with (default [1]); tables then show mean ± sd and verdicts
   * judge differences against the seeds' spread (src/repro/seeds.ts).
   */
  readonly seeds?: readonly number[];
  /**
   * WAGEUBN Table II's paths run at this scale (default all six: W, BN, A, G, E1, E2), each a
   * ResNet run per seed.
   */
  readonly wageubnPaths?: readonly string[];
  /** Settings of the experiments only the medium and full scales run. */
  readonly extra?: {
    /** Park's SVHN network: the BatchNorm CNN with Adam. */
    readonly cnnBn: Setting;
    /** The LSTM classifier on digit rows (Zhang's recurrent model). */
    readonly lstm: Setting;
    /** The attention seq2seq on the translation task (Zhang's Sockeye, Su's GNMT). */
    readonly seq2seq: Setting;
  };
}

export type { RunSpec } from '../sweep/spec.js';

/** What an experiment's analysis returns; the runner adds title, paper and setting. */
export interface Analysis {
  readonly tables: Table[];
  readonly figures: Figure[];
  /** Pictures the runs made (a GAN's sample grids). */
  readonly pictures?: Picture[];
  readonly verdict: Verdict;
}

export interface ExperimentContext {
  readonly scale: Scale;
  /** Path of a generated scheme file, by scheme name (see `schemes`). */
  schemePath(name: string): string;
  /** Folder of a run by id (a run may start from another's weights: `init`). */
  runPath(id: string): string;
}

export interface Experiment {
  readonly name: string;
  /** Scales it runs at (default all); others leave it out of the suite. */
  readonly scales?: readonly Scale['name'][];
  /**
   * Scales at which it runs only when named (`--only NAME`): a costly experiment kept out of a
   * scale's default list.
   */
  readonly onRequest?: readonly Scale['name'][];
  /** The experiment lists its own seeds (the suite does not repeat its runs over `seeds`). */
  readonly ownSeeds?: boolean;
  readonly title: string;
  readonly source: string;
  readonly claim: string;
  readonly paper: Table[];
  /** Schemes this experiment builds as data (written to DIR/schemes/NAME.json). */
  schemes?(scale: Scale): SchemeInput[];
  runs(ctx: ExperimentContext): RunSpec[];
  setting(scale: Scale): string;
  analyse(runs: ReadonlyMap<string, RunData>, ctx: ExperimentContext): Analysis;
}
