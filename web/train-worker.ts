// SPDX-License-Identifier: MIT
// The page's training worker: a dedicated worker that loads MNIST, trains with lowbit's loop
// (the run kept in a MemoryStore), predicts drawn digits and loads checkpoints back. It may
// block (GEMM worker threads wait in Atomics.wait when the page is cross-origin isolated), so
// the page's main thread never does. The loop yields between steps, so a stop request arrives
// within one batch.

import {
  builtinSchemes,
  configFromRecord,
  costForModel,
  costForScheme,
  dequantize,
  floatTensor,
  getThreads,
  HOROWITZ_45NM,
  loadMnist,
  MemoryStore,
  MNIST_FILES,
  mnistRawFromIdx,
  parseCheckpoint,
  parseTrainConfig,
  restoreCheckpoint,
  schemeLabel,
  setThreads,
  setupRun,
  siteLayers,
  train,
  useBackend,
  weightsDigest,
  type Checkpoint,
  type ClassificationDataset,
  type CostReport,
  type MnistBytes,
  type MnistRaw,
  type RunSetup,
  type TrainConfig,
} from 'lowbit';
import type { BitsRow, DataChoice, FromWorker, MemoryRow, RunInfo, ToWorker } from './protocol.js';

interface WorkerScope {
  onmessage: ((e: { data: ToWorker }) => void) | null;
  postMessage(m: FromWorker): void;
  crossOriginIsolated?: boolean;
}
const scope = globalThis as unknown as WorkerScope;
const post = (m: FromWorker): void => scope.postMessage(m);

/** The model the page predicts with, and the checkpoint it downloads. */
let current: { setup: RunSetup; cfg: TrainConfig; checkpoint: Checkpoint | null } | null = null;
let stopRequested = false;
let busy = false;
let mnistCache: { key: string; raw: MnistRaw } | null = null;

const MODELS = ['lenet5', 'mlp', 'cnn-bn'];
const KINDS = [
  ['weights', 'weights'],
  ['optimizer', 'optimizer state'],
  ['activations', 'saved activations'],
  ['gradients', 'gradients'],
] as const;

/** The four MNIST files' bytes: fetched from the page's server, or picked by the user. */
async function mnistBytes(choice: DataChoice): Promise<{ bytes: MnistBytes; names: MnistBytes }> {
  const keys = Object.keys(MNIST_FILES) as (keyof typeof MNIST_FILES)[];
  if (choice.kind === 'mnist') {
    post({ type: 'status', text: 'loading MNIST (4 IDX files, 55 MB)' });
    const got = await Promise.all(
      keys.map(async (k) => {
        const url = new URL(MNIST_FILES[k], choice.base);
        const res = await fetch(url);
        if (!res.ok) throw new Error(`cannot fetch ${url.href}: HTTP ${res.status}`);
        return [k, new Uint8Array(await res.arrayBuffer())] as const;
      }),
    );
    const bytes = Object.fromEntries(got) as MnistBytes;
    return { bytes, names: { ...MNIST_FILES } as unknown as MnistBytes };
  }
  // The user's files, matched by the usual names (train-images, t10k-labels, ...).
  const patterns: Record<keyof typeof MNIST_FILES, RegExp> = {
    trainImages: /train.*images/i,
    trainLabels: /train.*labels/i,
    testImages: /(t10k|test).*images/i,
    testLabels: /(t10k|test).*labels/i,
  };
  const bytes: Partial<Record<string, Uint8Array>> = {};
  const names: Partial<Record<string, string>> = {};
  for (const k of keys) {
    const f = choice.files.find((x) => patterns[k].test(x.name));
    if (!f) {
      throw new Error(
        `no ${MNIST_FILES[k]} among the picked files (${choice.files.map((x) => x.name).join(', ')}): ` +
          'pick the four IDX files, named like MNIST (train-images, train-labels, t10k-images, t10k-labels)',
      );
    }
    bytes[k] = await gunzipIfNeeded(new Uint8Array(f.bytes));
    names[k] = f.name;
  }
  return { bytes: bytes as MnistBytes, names: names as unknown as MnistBytes };
}

/** IDX files often come gzipped (*.gz): inflate those with the platform's DecompressionStream. */
async function gunzipIfNeeded(b: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (b[0] !== 0x1f || b[1] !== 0x8b) return b;
  const stream = new Blob([b]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

async function mnistRaw(choice: DataChoice): Promise<MnistRaw> {
  const key =
    choice.kind === 'mnist'
      ? `mnist:${choice.base}`
      : choice.files.map((f) => `${f.name}:${f.bytes.byteLength}`).join('|');
  if (mnistCache?.key === key) return mnistCache.raw;
  const { bytes, names } = await mnistBytes(choice);
  post({ type: 'status', text: 'parsing the IDX files' });
  const raw = mnistRawFromIdx(bytes, names as unknown as typeof MNIST_FILES);
  mnistCache = { key, raw };
  return raw;
}

function dataFor(raw: MnistRaw, cfg: TrainConfig): ClassificationDataset {
  return loadMnist({ raw, limit: cfg.limit, testLimit: cfg.testLimit });
}

/** Memory of the training state by kind, next to what the same run in float32 would keep. */
function memoryRows(setup: RunSetup, cfg: TrainConfig, fp32: CostReport): MemoryRow[] {
  const inputShape = (setup.data as ClassificationDataset).inputShape;
  const opt = cfg.optimizer === 'adam' ? 'adam' : 'sgd';
  const c = costForModel(
    setup.model,
    setup.scheme,
    inputShape,
    cfg.batch,
    HOROWITZ_45NM,
    opt,
    cfg.momentum > 0,
  );
  const rows: MemoryRow[] = KINDS.map(([k, label]) => ({
    kind: label,
    stored: c.stored[k],
    nominal: c.nominal[k],
    fp32: fp32.stored[k],
  }));
  const sum = (f: (r: MemoryRow) => number): number => rows.reduce((a, r) => a + f(r), 0);
  rows.push({
    kind: 'total',
    stored: sum((r) => r.stored),
    nominal: sum((r) => r.nominal),
    fp32: sum((r) => r.fp32),
  });
  return rows;
}

function fp32Cost(setup: RunSetup, cfg: TrainConfig): CostReport {
  const d = setup.data as ClassificationDataset;
  const opt = cfg.optimizer === 'adam' ? 'adam' : 'sgd';
  return costForScheme(
    cfg.model,
    d.inputShape,
    d.numClasses,
    'fp32',
    cfg.batch,
    HOROWITZ_45NM,
    opt,
    cfg.momentum > 0,
  );
}

/** Each layer's current width per site (adaptive schemes change them while training). */
function bitsRows(setup: RunSetup): BitsRow[] {
  return siteLayers(setup.model).map((l) => {
    const sites: Record<string, number | null> = {};
    for (const [name, s] of l.sites)
      sites[name] = s.quantizer.description.startsWith('float32') ? null : s.quantizer.bits();
    return { layer: l.name, sites };
  });
}

function runInfo(setup: RunSetup, cfg: TrainConfig, fp32: CostReport): RunInfo {
  return {
    model: cfg.model,
    scheme: setup.scheme.name,
    epochs: cfg.epochs,
    batchesPerEpoch: setup.task.batchesPerEpoch,
    trainSize: setup.task.trainSize,
    testSize: (setup.data as ClassificationDataset).test.n,
    backend: setup.kernels.name,
    threads: getThreads(),
    memory: memoryRows(setup, cfg, fp32),
    bits: bitsRows(setup),
  };
}

async function runTraining(msg: Extract<ToWorker, { type: 'train' }>): Promise<void> {
  const cfg = parseTrainConfig(msg.config, 'the form');
  // 'auto' after an explicit count: back to one thread per core.
  if (cfg.threads === undefined)
    await setThreads(Math.min(256, navigator.hardwareConcurrency || 1));
  const data = dataFor(await mnistRaw(msg.data), cfg);
  const store = new MemoryStore('this tab');
  stopRequested = false;
  let fp32: CostReport | null = null;
  let setup: RunSetup | null = null;
  let epochStart = performance.now();
  let seen = 0;
  let lastLive = 0;
  post({ type: 'status', text: 'building the model' });
  const r = await train(cfg, store, {
    data,
    started: (s) => {
      setup = s;
      fp32 = fp32Cost(s, cfg);
      current = { setup: s, cfg, checkpoint: null };
      post({ type: 'started', info: runInfo(s, cfg, fp32) });
      epochStart = performance.now();
    },
    progress: (done, total, epoch, loss, b) => {
      if (done === 1) {
        epochStart = performance.now();
        seen = 0;
      }
      seen += b.count;
      const secs = (performance.now() - epochStart) / 1000;
      post({
        type: 'step',
        epoch,
        done,
        total,
        step: epoch * total + done,
        loss,
        acc: b.correct / b.count,
        samplesPerS: done > 1 ? seen / Math.max(1e-9, secs) : 0,
      });
      const now = performance.now();
      if (setup && fp32 && now - lastLive > 500) {
        lastLive = now;
        post({ type: 'live', memory: memoryRows(setup, cfg, fp32), bits: bitsRows(setup) });
      }
    },
    epochEnd: (m, s) =>
      post({ type: 'epoch', metrics: m, step: (m.epoch as number) * s.task.batchesPerEpoch }),
    shouldStop: () => stopRequested,
  });
  if (current) current.checkpoint = store.checkpoint;
  if (setup && fp32)
    post({ type: 'live', memory: memoryRows(setup, cfg, fp32), bits: bitsRows(setup) });
  post({
    type: 'done',
    metrics: r.metrics,
    interrupted: r.interrupted,
    digest: store.checkpoint ? await weightsDigest(store.checkpoint) : null,
  });
}

function predict(pixels: Float32Array): void {
  if (!current) throw new Error('train a model or load a checkpoint first');
  // A forward pass between training steps could draw from the sites' generators.
  if (busy) throw new Error('the model is training: draw again when it is done');
  const { setup } = current;
  const shape = (setup.data as ClassificationDataset).inputShape;
  const logits = setup.model.forward(floatTensor([1, ...shape], pixels), {
    kernels: setup.kernels,
    step: -1,
    epoch: -1,
    training: false,
    telemetry: null,
  });
  const z = dequantize(logits);
  const mx = Math.max(...z);
  const e = Array.from(z, (v) => Math.exp(v - mx));
  const sum = e.reduce((a, b) => a + b, 0);
  post({ type: 'prediction', probs: e.map((v) => v / sum) });
}

/** A checkpoint downloaded from this page (it carries its config), or a run folder's pair. */
async function loadBack(msg: Extract<ToWorker, { type: 'load' }>): Promise<void> {
  const parsed = msg.files.map((f) => ({
    name: f.name,
    json: JSON.parse(f.text) as Record<string, unknown>,
  }));
  const ck = parsed.find((p) => typeof p.json.params === 'object');
  if (!ck)
    throw new Error(`none of ${msg.files.map((f) => f.name).join(', ')} is a lowbit checkpoint`);
  const ckpt = parseCheckpoint(JSON.stringify(ck.json), ck.name);
  const record = ckpt.config ?? parsed.find((p) => p !== ck && 'model' in p.json)?.json;
  if (!record) {
    throw new Error(
      `${ck.name} does not carry its configuration: pick its run folder's config.json along with it`,
    );
  }
  const cfg = configFromRecord(record, `${ck.name} (its config)`);
  if (cfg.dataset !== 'mnist') {
    throw new Error(
      `${ck.name} is a checkpoint of a ${cfg.dataset} run: this page evaluates and draws on MNIST (evaluate it with lowbit eval)`,
    );
  }
  const data = dataFor(await mnistRaw(msg.data), cfg);
  post({ type: 'status', text: `loading ${ck.name}` });
  const setup = await setupRun(cfg, { data });
  const pos = restoreCheckpoint(ckpt, setup.model, setup.optimizer, ck.name);
  const m = setup.task.evaluate({
    kernels: setup.kernels,
    step: pos.step,
    epoch: pos.epoch,
    training: false,
    telemetry: null,
  });
  current = { setup, cfg, checkpoint: { ...ckpt, config: undefined } };
  post({
    type: 'loaded',
    name: ck.name,
    info: runInfo(setup, cfg, fp32Cost(setup, cfg)),
    epoch: pos.epoch,
    testAcc: m.test_acc,
    digest: await weightsDigest(ckpt),
  });
}

function checkpointFile(): void {
  if (!current?.checkpoint) throw new Error('no checkpoint yet: train at least one epoch');
  const { cfg, setup, checkpoint } = current;
  const config = { ...cfg, resolvedScheme: setup.scheme };
  const text = JSON.stringify({ ...checkpoint, config });
  const name = `lowbit-${cfg.model}-${schemeLabel(cfg.scheme)}-seed${cfg.seed}-epoch${checkpoint.epoch}.json`;
  post({ type: 'checkpoint', text, name });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'stop':
      stopRequested = true;
      return;
    case 'predict':
      return predict(msg.pixels);
    case 'checkpoint':
      return checkpointFile();
    case 'train':
    case 'load': {
      if (busy) throw new Error('busy: wait for the current run, or stop it');
      busy = true;
      try {
        await (msg.type === 'train' ? runTraining(msg) : loadBack(msg));
      } finally {
        busy = false;
      }
    }
  }
}

scope.onmessage = (e) => {
  handle(e.data).catch((err: unknown) =>
    post({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
};

// Load the kernels at once, so the page can say what it runs on before the first run.
void (async () => {
  const k = await useBackend('auto');
  post({
    type: 'env',
    isolated: scope.crossOriginIsolated === true,
    backend: k.name,
    threads: getThreads(),
    schemes: builtinSchemes().map((s) => ({ name: s.name, description: s.description })),
    models: MODELS,
  });
})().catch((err: unknown) =>
  post({
    type: 'error',
    message: `cannot load the kernels: ${err instanceof Error ? err.message : String(err)}`,
  }),
);
