// SPDX-License-Identifier: MIT
// The training page's main thread: the form, the live curves and tables, the digit pad and
// the checkpoint buttons. Training, prediction and checkpoint loading run in the training
// worker (train-worker.ts); this thread only sends requests and draws the answers, so it
// stays responsive while a run trains.

import { Curves } from './charts.js';
import { DigitPad } from './draw.js';
import type { BitsRow, DataChoice, FromWorker, MemoryRow, RunInfo, ToWorker } from './protocol.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
};
const input = (id: string): HTMLInputElement => $<HTMLInputElement>(id);

const worker = new Worker(new URL('./train-worker.ts', import.meta.url), {
  type: 'module',
  name: 'lowbit-train',
});
const send = (m: ToWorker, transfer: Transferable[] = []): void => worker.postMessage(m, transfer);

const curves = new Curves($('loss-chart'), $('acc-chart'));
const pad = new DigitPad($<HTMLCanvasElement>('pad'), () => predict());
let info: RunInfo | null = null;
let haveModel = false;
let training = false;

type State = 'starting' | 'idle' | 'loading' | 'training' | 'done' | 'stopped' | 'error';
function setState(s: State): void {
  document.body.dataset.state = s;
  training = s === 'training' || s === 'loading';
  $<HTMLButtonElement>('train').disabled = training || s === 'starting';
  $<HTMLButtonElement>('stop').disabled = s !== 'training';
  input('load').disabled = training;
}

function showError(message: string): void {
  $('error').textContent = message;
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
function bytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function cell(tr: HTMLTableRowElement, text: string, cls?: string): void {
  const td = tr.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
}

function renderMemory(rows: MemoryRow[]): void {
  const body = $<HTMLTableElement>('memory-table').tBodies[0];
  body.replaceChildren();
  for (const r of rows) {
    const tr = body.insertRow();
    tr.dataset.kind = r.kind;
    cell(tr, r.kind);
    cell(tr, bytes(r.stored));
    cell(tr, bytes(r.nominal));
    cell(tr, `${bytes(r.fp32)} (${r.stored ? (r.fp32 / r.stored).toFixed(1) : '-'}x)`);
  }
}

function renderBits(rows: BitsRow[]): void {
  const table = $<HTMLTableElement>('bits-table');
  const sites = [...new Set(rows.flatMap((r) => Object.keys(r.sites)))];
  const head = table.tHead ?? table.createTHead();
  head.replaceChildren();
  const hr = head.insertRow();
  for (const h of ['layer', ...sites]) {
    const th = document.createElement('th');
    th.textContent = h;
    hr.appendChild(th);
  }
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const r of rows) {
    const tr = body.insertRow();
    cell(tr, r.layer);
    for (const s of sites) {
      const b = r.sites[s];
      if (b === undefined) cell(tr, '');
      else if (b === null) cell(tr, 'fp32', 'float');
      else cell(tr, String(b));
    }
  }
}

function renderInfo(i: RunInfo): void {
  info = i;
  renderMemory(i.memory);
  renderBits(i.bits);
}

function addEpochRow(m: Record<string, number>): void {
  const tr = $<HTMLTableElement>('epochs-table').tBodies[0].insertRow();
  cell(tr, String(m.epoch));
  cell(tr, m.train_loss.toFixed(4));
  cell(tr, pct(m.train_acc));
  cell(tr, pct(m.test_acc));
  cell(tr, Math.round(m.samples_per_s).toLocaleString('en-US'));
  cell(tr, m.seconds.toFixed(2));
}

function dataChoice(): DataChoice | Promise<DataChoice> {
  const kind = document.querySelector<HTMLInputElement>('input[name=data]:checked')?.value;
  if (kind !== 'files') return { kind: 'mnist', base: new URL('mnist/', location.href).href };
  const files = [...(input('idx-files').files ?? [])];
  if (files.length < 4) {
    throw new Error('pick the four IDX files (train images and labels, test images and labels)');
  }
  return Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() }))).then(
    (fs) => ({ kind: 'files', files: fs }),
  );
}

function transfers(d: DataChoice): Transferable[] {
  return d.kind === 'files' ? d.files.map((f) => f.bytes) : [];
}

async function startTraining(): Promise<void> {
  showError('');
  const schemeSel = $<HTMLSelectElement>('scheme').value;
  let scheme: string | Record<string, unknown> = schemeSel;
  if (schemeSel === '__json') {
    try {
      scheme = JSON.parse($<HTMLTextAreaElement>('scheme-json').value) as Record<string, unknown>;
    } catch (e) {
      throw new Error(`the scheme JSON does not parse: ${(e as Error).message}`, { cause: e });
    }
  }
  const threads = $<HTMLSelectElement>('threads').value;
  const config = {
    model: $<HTMLSelectElement>('model').value,
    dataset: 'mnist',
    scheme,
    epochs: Number(input('epochs').value),
    batch: Number(input('batch').value),
    lr: Number(input('lr').value),
    seed: Number(input('seed').value),
    limit: Number(input('limit').value),
    testLimit: Number(input('test-limit').value),
    ...(threads === 'auto' ? {} : { threads: Number(threads) }),
  };
  const data = await dataChoice();
  curves.reset();
  $<HTMLTableElement>('epochs-table').tBodies[0].replaceChildren();
  $('result').textContent = '';
  $<HTMLButtonElement>('download').disabled = true;
  haveModel = false;
  setState('loading');
  send({ type: 'train', config, data }, transfers(data));
}

function predict(): void {
  if (!haveModel || training) {
    $('predictions').replaceChildren();
    if (pad.inked)
      $('model-line').textContent = 'no model to ask yet: train one, or load a checkpoint';
    return;
  }
  const px = pad.pixels();
  if (px) send({ type: 'predict', pixels: px }, [px.buffer]);
}

function showPrediction(probs: number[]): void {
  const top = probs
    .map((p, d) => ({ d, p }))
    .sort((a, b) => b.p - a.p)
    .slice(0, 3);
  const list = $('predictions');
  list.replaceChildren();
  for (const { d, p } of top) {
    const li = document.createElement('li');
    li.dataset.digit = String(d);
    li.dataset.p = String(p);
    const digit = document.createElement('strong');
    digit.textContent = String(d);
    const bar = document.createElement('div');
    bar.className = 'bar';
    bar.style.width = `${Math.max(1, p * 100)}%`;
    const val = document.createElement('span');
    val.textContent = pct(p);
    li.append(digit, bar, val);
    list.appendChild(li);
  }
}

function modelReady(line: string): void {
  haveModel = true;
  $('model-line').textContent = line;
  $<HTMLButtonElement>('download').disabled = false;
  if (pad.inked) predict();
}

// Progress text and bar follow the latest step, redrawn at most every 100 ms.
let lastStep: Extract<FromWorker, { type: 'step' }> | null = null;
let stepTimer: ReturnType<typeof setTimeout> | null = null;
function showStep(): void {
  stepTimer = null;
  const m = lastStep;
  if (!m) return;
  const epochs = info?.epochs ?? 1;
  $<HTMLProgressElement>('progress').value = (m.epoch * m.total + m.done) / (epochs * m.total);
  $('progress-text').textContent =
    `epoch ${m.epoch + 1}/${epochs} · batch ${m.done}/${m.total} · ` +
    `${Math.round(m.samplesPerS).toLocaleString('en-US')} samples/s · loss ${m.loss.toFixed(4)}`;
}

function onMessage(m: FromWorker): void {
  switch (m.type) {
    case 'env': {
      const model = $<HTMLSelectElement>('model');
      model.replaceChildren(...m.models.map((n) => new Option(n, n)));
      const scheme = $<HTMLSelectElement>('scheme');
      scheme.replaceChildren(
        ...m.schemes.map((s) =>
          Object.assign(new Option(s.name, s.name), { title: s.description }),
        ),
        new Option('custom (paste JSON)', '__json'),
      );
      scheme.value = 'fixed8';
      $('env').textContent =
        `${m.backend === 'wasm' ? 'WebAssembly SIMD kernels' : 'reference kernels (no WebAssembly SIMD here)'}, ` +
        `${m.threads} thread${m.threads === 1 ? '' : 's'} ` +
        (m.isolated
          ? '(cross-origin isolated: GEMMs run on worker threads)'
          : '(this page is not cross-origin isolated: one thread)');
      document.body.dataset.isolated = String(m.isolated);
      document.body.dataset.threads = String(m.threads);
      setState('idle');
      return;
    }
    case 'status':
      $('progress-text').textContent = m.text;
      return;
    case 'started':
      renderInfo(m.info);
      document.body.dataset.runThreads = String(m.info.threads);
      setState('training');
      $('progress-text').textContent =
        `${m.info.model} with ${m.info.scheme}: ${m.info.trainSize} samples, ` +
        `${m.info.batchesPerEpoch} batches per epoch, ${m.info.threads} thread(s)`;
      return;
    case 'step':
      curves.addStep(m.step, m.loss, m.acc);
      lastStep = m;
      if (!stepTimer) stepTimer = setTimeout(showStep, 100);
      return;
    case 'live':
      renderMemory(m.memory);
      renderBits(m.bits);
      return;
    case 'epoch':
      addEpochRow(m.metrics);
      curves.addTest(m.step, m.metrics.test_acc);
      return;
    case 'done': {
      if (stepTimer) clearTimeout(stepTimer);
      showStep();
      const last = m.metrics.at(-1);
      setState(m.interrupted ? 'stopped' : 'done');
      const result = $('result');
      if (last) {
        result.dataset.testAcc = String(last.test_acc);
        result.dataset.samplesPerS = String(last.samples_per_s);
      }
      if (m.digest) result.dataset.digest = m.digest;
      const acc = last
        ? `test accuracy ${pct(last.test_acc)} on ${info?.testSize ?? '?'} test images` +
          (m.interrupted ? ` after epoch ${last.epoch}` : '')
        : 'no epoch finished, so no test accuracy yet';
      const at =
        m.interrupted && lastStep
          ? `stopped in epoch ${lastStep.epoch + 1} at batch ${lastStep.done}/${lastStep.total}; `
          : '';
      result.textContent = `${at}${acc}` + (m.digest ? `; weights sha256 ${m.digest}` : '');
      if (m.interrupted) $('progress-text').textContent += ' (stopped)';
      if (m.digest)
        modelReady(`${m.interrupted ? 'stopped' : 'trained'}: ${info?.model} with ${info?.scheme}`);
      return;
    }
    case 'prediction':
      showPrediction(m.probs);
      return;
    case 'loaded':
      renderInfo(m.info);
      setState('done');
      $('result').dataset.loadedTestAcc = String(m.testAcc);
      modelReady(
        `loaded ${m.name}: ${m.info.model} with ${m.info.scheme}, after ${m.epoch} epoch(s), ` +
          `test accuracy ${pct(m.testAcc)} on ${m.info.testSize} test images; weights sha256 ${m.digest}`,
      );
      return;
    case 'checkpoint': {
      const url = URL.createObjectURL(new Blob([m.text], { type: 'application/json' }));
      const a = Object.assign(document.createElement('a'), { href: url, download: m.name });
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return;
    }
    case 'error':
      showError(m.message);
      setState(haveModel ? 'done' : 'idle');
      return;
  }
}

worker.onmessage = (e: MessageEvent<FromWorker>) => onMessage(e.data);
worker.onerror = (e) => {
  showError(`the training worker failed: ${e.message}`);
  setState('error');
};

const guarded = (f: () => Promise<void> | void) => (): void => {
  Promise.resolve()
    .then(f)
    .catch((e: unknown) => showError(e instanceof Error ? e.message : String(e)));
};

$<HTMLFormElement>('form').addEventListener('submit', (e) => {
  e.preventDefault();
  guarded(startTraining)();
});
$('stop').addEventListener('click', () => send({ type: 'stop' }));
$('scheme').addEventListener('change', () => {
  $('scheme-json-label').hidden = $<HTMLSelectElement>('scheme').value !== '__json';
});
for (const r of document.querySelectorAll<HTMLInputElement>('input[name=data]'))
  r.addEventListener('change', () => {
    input('idx-files').hidden = r.value !== 'files' || !r.checked;
  });
$('log-scale').addEventListener('click', (e) => {
  const on = curves.toggleLog();
  (e.currentTarget as HTMLElement).setAttribute('aria-pressed', String(on));
});
$('clear').addEventListener('click', () => {
  pad.clear();
  $('predictions').replaceChildren();
});
$('download').addEventListener('click', () => send({ type: 'checkpoint' }));
input('load').addEventListener(
  'change',
  guarded(async () => {
    const files = [...(input('load').files ?? [])];
    if (!files.length) return;
    showError('');
    const loaded = await Promise.all(
      files.map(async (f) => ({ name: f.name, text: await f.text() })),
    );
    input('load').value = '';
    const data = await dataChoice();
    setState('loading');
    send({ type: 'load', files: loaded, data }, transfers(data));
  }),
);

// How long the last click waited before the page handled it (the page's main thread never
// trains, so this stays small while a run trains in the worker).
document.addEventListener(
  'click',
  (e) => {
    const ms = performance.now() - e.timeStamp;
    document.body.dataset.clickLatency = ms.toFixed(1);
    $('latency').textContent = `last click handled in ${ms.toFixed(0)} ms`;
  },
  { capture: true },
);
