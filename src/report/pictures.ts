// SPDX-License-Identifier: MIT
// Pictures from run folders (a GAN's samples.png) as report pictures: the PNG's bytes as a
// data URI, so report.html stays one file that opens offline.

import { existsSync, readFileSync } from 'node:fs';
import type { Picture } from './types.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The PNG at `path` as a picture, or null when there is none (the run has not written it). */
export function pngPicture(
  path: string,
  title: string,
  alt: string,
  caption?: string,
): Picture | null {
  if (!existsSync(path)) return null;
  const bytes = readFileSync(path);
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b))
    throw new Error(`${path} is not a PNG file: delete it and run the experiment again`);
  return {
    title,
    src: `data:image/png;base64,${bytes.toString('base64')}`,
    alt,
    ...(caption ? { caption } : {}),
  };
}
