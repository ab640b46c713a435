// SPDX-License-Identifier: MIT
// IDX files read from disk (Node): the file-reading half of idx.ts.

import { readFileSync } from 'node:fs';
import {
  IdxError,
  pairImagesLabels,
  parseIdxChecked,
  type IdxArray,
  type IdxExpect,
  type IdxImageSet,
} from './idx.js';

/** Reads and parses an IDX file, optionally checking its type and dims. */
export function readIdx(file: string, expect: IdxExpect = {}): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new IdxError(file, `cannot read: ${(e as Error).message}`);
  }
  return parseIdxChecked(bytes, file, expect);
}

/**
 * Reads an images file (ubyte, N x rows x cols) and a labels file (ubyte, N), checking that
 * both hold the same N and that every label is in [0, numClasses).
 */
export function readIdxImageSet(
  imagesFile: string,
  labelsFile: string,
  numClasses: number,
): IdxImageSet {
  const im = readIdx(imagesFile, { type: 'ubyte', dims: [null, null, null] });
  const lb = readIdx(labelsFile, { type: 'ubyte', dims: [null] });
  return pairImagesLabels(im, imagesFile, lb, labelsFile, numClasses);
}
