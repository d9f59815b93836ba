// A tiny software rasteriser for SynthPAR: float RGB canvas, shapes with coverage-based edge
// anti-aliasing, and a running bounding box per drawn figure (the per-frame person boxes).
export type Rgb = readonly [number, number, number];

export function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number): number => {
    const k = (n + h / 60) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

export const mix = (a: Rgb, b: Rgb, t: number): Rgb => [
  a[0] + (b[0] - a[0]) * t,
  a[1] + (b[1] - a[1]) * t,
  a[2] + (b[2] - a[2]) * t,
];

export const scale = (c: Rgb, k: number): Rgb => [c[0] * k, c[1] * k, c[2] * k];

/** Pixel bounds of everything drawn into it, in canvas coordinates (exclusive max). */
export class BoxAcc {
  x0 = Infinity;
  y0 = Infinity;
  x1 = -Infinity;
  y1 = -Infinity;
  add(x0: number, y0: number, x1: number, y1: number): void {
    this.x0 = Math.min(this.x0, x0);
    this.y0 = Math.min(this.y0, y0);
    this.x1 = Math.max(this.x1, x1);
    this.y1 = Math.max(this.y1, y1);
  }
  /** [x0, y0, x1, y1] in whole pixels clipped to the canvas, or null when nothing is visible. */
  clip(w: number, h: number): [number, number, number, number] | null {
    const x0 = Math.max(0, Math.floor(this.x0));
    const y0 = Math.max(0, Math.floor(this.y0));
    const x1 = Math.min(w, Math.ceil(this.x1));
    const y1 = Math.min(h, Math.ceil(this.y1));
    return x1 > x0 && y1 > y0 ? [x0, y0, x1, y1] : null;
  }
}

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);

export class Canvas {
  readonly data: Float32Array;
  /** Box of the figure being drawn; shapes extend it while set. */
  box: BoxAcc | null = null;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Float32Array(width * height * 3);
  }

  private put(i: number, c: Rgb, a: number): void {
    const d = this.data;
    const j = i * 3;
    d[j] = (d[j] as number) + (c[0] - (d[j] as number)) * a;
    d[j + 1] = (d[j + 1] as number) + (c[1] - (d[j + 1] as number)) * a;
    d[j + 2] = (d[j + 2] as number) + (c[2] - (d[j + 2] as number)) * a;
  }

  /**
   * Fills the pixels whose centre lies within a signed distance field: `sd(x, y)` is negative
   * inside, in pixels, so coverage 0.5 - sd gives a one-pixel soft edge.
   */
  private field(
    x0: number,
    y0: number,
    x1: number,
    y1: number,
    c: Rgb,
    sd: (x: number, y: number) => number,
  ): void {
    this.box?.add(x0, y0, x1, y1);
    const xa = Math.max(0, Math.floor(x0));
    const ya = Math.max(0, Math.floor(y0));
    const xb = Math.min(this.width - 1, Math.ceil(x1));
    const yb = Math.min(this.height - 1, Math.ceil(y1));
    for (let y = ya; y <= yb; y++) {
      const row = y * this.width;
      for (let x = xa; x <= xb; x++) {
        const a = clamp01(0.5 - sd(x + 0.5, y + 0.5));
        if (a > 0) this.put(row + x, c, a);
      }
    }
  }

  fill(c: Rgb): void {
    const d = this.data;
    for (let i = 0; i < d.length; i += 3) {
      d[i] = c[0];
      d[i + 1] = c[1];
      d[i + 2] = c[2];
    }
  }

  /** Axis-aligned rectangle with fractional edges. */
  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const hw = (x1 - x0) / 2;
    const hh = (y1 - y0) / 2;
    this.field(x0 - 1, y0 - 1, x1 + 1, y1 + 1, c, (x, y) =>
      Math.max(Math.abs(x - cx) - hw, Math.abs(y - cy) - hh),
    );
  }

  /** A vertical gradient over rows [y0, y1) spanning the full width (backgrounds). */
  gradient(y0: number, y1: number, top: Rgb, bottom: Rgb): void {
    const ya = Math.max(0, Math.round(y0));
    const yb = Math.min(this.height, Math.round(y1));
    for (let y = ya; y < yb; y++) {
      const c = mix(top, bottom, (y - ya) / Math.max(1, yb - ya - 1));
      for (let x = 0; x < this.width; x++) this.put(y * this.width + x, c, 1);
    }
  }

  /** A segment with round caps: limbs, torsos, hair. */
  capsule(ax: number, ay: number, bx: number, by: number, r: number, c: Rgb): void {
    const dx = bx - ax;
    const dy = by - ay;
    const len2 = dx * dx + dy * dy || 1e-9;
    this.field(
      Math.min(ax, bx) - r - 1,
      Math.min(ay, by) - r - 1,
      Math.max(ax, bx) + r + 1,
      Math.max(ay, by) + r + 1,
      c,
      (x, y) => {
        const t = clamp01(((x - ax) * dx + (y - ay) * dy) / len2);
        const ex = x - ax - t * dx;
        const ey = y - ay - t * dy;
        return Math.sqrt(ex * ex + ey * ey) - r;
      },
    );
  }

  ellipse(cx: number, cy: number, rx: number, ry: number, c: Rgb): void {
    const m = Math.min(rx, ry);
    this.field(cx - rx - 1, cy - ry - 1, cx + rx + 1, cy + ry + 1, c, (x, y) => {
      const u = (x - cx) / rx;
      const v = (y - cy) / ry;
      return (Math.sqrt(u * u + v * v) - 1) * m;
    });
  }

  /** Convex polygon (points in either winding): the largest edge distance approximates the field. */
  polygon(points: readonly (readonly [number, number])[], c: Rgb): void {
    const n = points.length;
    const xs = points.map((p) => p[0]);
    const ys = points.map((p) => p[1]);
    let area = 0;
    for (let i = 0; i < n; i++) {
      const [ax, ay] = points[i] as readonly [number, number];
      const [bx, by] = points[(i + 1) % n] as readonly [number, number];
      area += ax * by - bx * ay;
    }
    const sign = area > 0 ? 1 : -1;
    const edges = points.map((p, i) => {
      const q = points[(i + 1) % n] as readonly [number, number];
      const ex = q[0] - p[0];
      const ey = q[1] - p[1];
      const l = Math.hypot(ex, ey) || 1e-9;
      // Outward normal for this winding.
      return [p[0], p[1], (sign * ey) / l, (-sign * ex) / l] as const;
    });
    this.field(
      Math.min(...xs) - 1,
      Math.min(...ys) - 1,
      Math.max(...xs) + 1,
      Math.max(...ys) + 1,
      c,
      (x, y) => {
        let d = -Infinity;
        for (const [px, py, nx, ny] of edges) d = Math.max(d, (x - px) * nx + (y - py) * ny);
        return d;
      },
    );
  }
}
