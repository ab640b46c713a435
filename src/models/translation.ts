// SPDX-License-Identifier: MIT
// What every translation model is: a Layer over packed ids that also decodes greedily, built
// from a translation dataset's vocabularies and lengths (models/registry.ts).

import type { RunContext } from '../nn/context.js';
import type { Layer } from '../nn/layer.js';

/** A translation model: packed ids (N, S+T) -> logits (N*T, V), and greedy decoding. */
export interface TranslationModel extends Layer {
  /** src (N, S) ids -> (N, maxLen) ids decoded one token at a time. */
  greedy(src: Int32Array, N: number, maxLen: number, ctx: RunContext): Int32Array;
}

/** Sizes of a translation dataset a model is built for. */
export interface TranslationSizes {
  readonly srcVocab: number;
  readonly tgtVocab: number;
  /** Source row length S and decoder input length T (= maxTgtLen - 1). */
  readonly srcLen: number;
  readonly tgtLen: number;
  /** Id of padding and the begin/end-of-sentence ids. */
  readonly pad?: number;
  readonly bos?: number;
  readonly eos?: number;
}
