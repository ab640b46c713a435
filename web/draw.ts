// SPDX-License-Identifier: MIT
// The digit pad: draw with a mouse, pen or finger, then turn the drawing into an MNIST-like
// input - the ink's bounding box scaled into 20x20, placed in 28x28 with its centre of mass at
// the centre (how MNIST's digits were made), pixels normalised (p/255 - 0.1307) / 0.3081.

const MEAN = 0.1307;
const STD = 0.3081;

export class DigitPad {
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private readonly ctx: CanvasRenderingContext2D;
  inked = false;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onStroke: () => void,
  ) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas');
    this.ctx = ctx;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.drawing = true;
      this.last = this.at(e);
      this.dot(this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.drawing) return;
      const p = this.at(e);
      this.line(this.last ?? p, p);
      this.last = p;
    });
    const end = (): void => {
      if (!this.drawing) return;
      this.drawing = false;
      this.last = null;
      this.onStroke();
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  clear(): void {
    const { ctx, canvas } = this;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    this.inked = false;
  }

  private at(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return {
      x: ((e.clientX - r.left) * this.canvas.width) / r.width,
      y: ((e.clientY - r.top) * this.canvas.height) / r.height,
    };
  }

  private pen(): void {
    const { ctx, canvas } = this;
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    ctx.lineWidth = canvas.width / 14;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
  }

  private dot(p: { x: number; y: number }): void {
    this.pen();
    this.ctx.beginPath();
    this.ctx.arc(p.x, p.y, this.ctx.lineWidth / 2, 0, 2 * Math.PI);
    this.ctx.fill();
    this.inked = true;
  }

  private line(a: { x: number; y: number }, b: { x: number; y: number }): void {
    this.pen();
    this.ctx.beginPath();
    this.ctx.moveTo(a.x, a.y);
    this.ctx.lineTo(b.x, b.y);
    this.ctx.stroke();
    this.inked = true;
  }

  /** The drawing as 784 normalised pixels (row-major 28x28), or null when it is empty. */
  pixels(): Float32Array | null {
    const { canvas } = this;
    const W = canvas.width;
    const H = canvas.height;
    const src = this.ctx.getImageData(0, 0, W, H).data;
    let x0 = W;
    let y0 = H;
    let x1 = -1;
    let y1 = -1;
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        if (src[(y * W + x) * 4] > 0) {
          x0 = Math.min(x0, x);
          x1 = Math.max(x1, x);
          y0 = Math.min(y0, y);
          y1 = Math.max(y1, y);
        }
    if (x1 < 0) return null;
    // Bounding box -> fit in 20x20 (aspect kept), on a 28x28 canvas.
    const bw = x1 - x0 + 1;
    const bh = y1 - y0 + 1;
    const s = 20 / Math.max(bw, bh);
    const small = document.createElement('canvas');
    small.width = 28;
    small.height = 28;
    const sc = small.getContext('2d', { willReadFrequently: true });
    if (!sc) return null;
    sc.fillStyle = '#000';
    sc.fillRect(0, 0, 28, 28);
    sc.imageSmoothingEnabled = true;
    sc.imageSmoothingQuality = 'high';
    const dw = bw * s;
    const dh = bh * s;
    sc.drawImage(canvas, x0, y0, bw, bh, (28 - dw) / 2, (28 - dh) / 2, dw, dh);
    const px = sc.getImageData(0, 0, 28, 28).data;
    const g = new Float32Array(784);
    let mass = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < 784; i++) {
      g[i] = px[i * 4];
      mass += g[i];
      cx += (i % 28) * g[i];
      cy += Math.floor(i / 28) * g[i];
    }
    // Shift so the centre of mass sits at (14, 14), as MNIST's preprocessing did.
    const dx = Math.round(14 - cx / mass);
    const dy = Math.round(14 - cy / mass);
    const out = new Float32Array(784).fill(-MEAN / STD);
    for (let y = 0; y < 28; y++)
      for (let x = 0; x < 28; x++) {
        const sx = x - dx;
        const sy = y - dy;
        if (sx < 0 || sy < 0 || sx >= 28 || sy >= 28) continue;
        out[y * 28 + x] = (g[sy * 28 + sx] / 255 - MEAN) / STD;
      }
    return out;
  }
}
