// SPDX-License-Identifier: MIT
// Live training curves (uPlot): the loss per step (raw, faint, and smoothed) and the accuracy
// (training accuracy per step, smoothed; test accuracy at every epoch's end). Points arrive
// per step; the plots redraw at most every REDRAW_MS, so drawing takes little of the CPU the
// training threads use.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const EMA = 0.9;
const REDRAW_MS = 250;

export class Curves {
  private steps: number[] = [];
  private loss: number[] = [];
  private lossEma: number[] = [];
  private accEma: (number | null)[] = [];
  private testAcc: (number | null)[] = [];
  private lossPlot: uPlot | null = null;
  private accPlot: uPlot | null = null;
  private pending = false;
  private lastDraw = 0;
  private log = false;

  constructor(
    private readonly lossEl: HTMLElement,
    private readonly accEl: HTMLElement,
  ) {
    this.build();
    new ResizeObserver(() => this.resize()).observe(lossEl);
  }

  private size(el: HTMLElement): { width: number; height: number } {
    return { width: Math.max(240, el.clientWidth), height: 220 };
  }

  private build(): void {
    this.lossPlot?.destroy();
    this.accPlot?.destroy();
    this.lossPlot = new uPlot(
      {
        ...this.size(this.lossEl),
        title: 'training loss',
        legend: { live: false },
        scales: { x: { time: false }, y: this.log ? { distr: 3 } : { auto: true } },
        axes: [{ label: 'step' }, {}],
        series: [
          {},
          { label: 'batch', stroke: 'rgba(37, 99, 235, 0.25)', width: 1 },
          { label: 'smoothed', stroke: '#2563eb', width: 2 },
        ],
      },
      [this.steps, this.loss, this.lossEma],
      this.lossEl,
    );
    this.accPlot = new uPlot(
      {
        ...this.size(this.accEl),
        title: 'accuracy',
        legend: { live: false },
        scales: { x: { time: false }, y: { range: [0, 1] } },
        axes: [{ label: 'step' }, { values: (_u, v) => v.map((x) => `${Math.round(x * 100)}%`) }],
        series: [
          {},
          { label: 'train (smoothed)', stroke: '#16a34a', width: 2 },
          {
            label: 'test',
            stroke: '#dc2626',
            width: 2,
            points: { show: true, size: 8 },
            spanGaps: true,
          },
        ],
      },
      [this.steps, this.accEma, this.testAcc],
      this.accEl,
    );
  }

  private resize(): void {
    this.lossPlot?.setSize(this.size(this.lossEl));
    this.accPlot?.setSize(this.size(this.accEl));
  }

  reset(): void {
    this.steps = [];
    this.loss = [];
    this.lossEma = [];
    this.accEma = [];
    this.testAcc = [];
    this.build();
  }

  /** A log scale for the loss (rebuilds the loss plot). Returns the new state. */
  toggleLog(): boolean {
    this.log = !this.log;
    this.build();
    return this.log;
  }

  addStep(step: number, loss: number, acc: number): void {
    const n = this.steps.length;
    this.steps.push(step);
    this.loss.push(loss);
    this.lossEma.push(n ? EMA * this.lossEma[n - 1] + (1 - EMA) * loss : loss);
    const prev = n ? this.accEma[n - 1] : null;
    this.accEma.push(prev === null ? acc : EMA * prev + (1 - EMA) * acc);
    this.testAcc.push(null);
    this.schedule();
  }

  addTest(step: number, acc: number): void {
    const i = this.steps.lastIndexOf(step);
    if (i >= 0) this.testAcc[i] = acc;
    else {
      this.steps.push(step);
      this.loss.push(NaN);
      this.lossEma.push(this.lossEma.at(-1) ?? NaN);
      this.accEma.push(this.accEma.at(-1) ?? null);
      this.testAcc.push(acc);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    const wait = Math.max(0, this.lastDraw + REDRAW_MS - performance.now());
    setTimeout(
      () =>
        requestAnimationFrame(() => {
          this.pending = false;
          this.lastDraw = performance.now();
          this.lossPlot?.setData([this.steps, this.loss, this.lossEma]);
          this.accPlot?.setData([this.steps, this.accEma, this.testAcc]);
        }),
      wait,
    );
  }
}
