// Augmentation on 8-bit RGB frames, in plain TypeScript so that loader workers can run it: one
// random draw per clip, applied alike to all its frames (crop of U(0.6, 1) of H and W resized to
// the output, horizontal flip, colour jitter, grayscale, random erasing), written as float32 in
// [0, 1], channels first. The colour operations are folded into one affine map per frame; they
// are clamped once at the end rather than after each step, and hue turns colours about the grey
// axis, a close stand-in for torchvision's HSV hue shift.
import type { Rng } from './rng.js';

export interface AugmentConfig {
  /** Crop side as a fraction of the input, drawn for height and width independently. */
  scale: [number, number];
  flip: number;
  brightness: number;
  contrast: number;
  saturation: number;
  /** Hue shift bound, in turns (0.5 = half the colour wheel). */
  hue: number;
  grayscale: number;
  /** Probability of erasing a rectangle, its area fraction and aspect ratio ranges (torchvision's). */
  erasing: number;
  erasingScale: [number, number];
  erasingRatio: [number, number];
}

/** Training clips (the method's list). */
export const CLIP_AUGMENT: AugmentConfig = {
  scale: [0.6, 1],
  flip: 0.5,
  brightness: 0.2,
  contrast: 0.2,
  saturation: 0.2,
  hue: 0.05,
  grayscale: 0.1,
  erasing: 0.5,
  erasingScale: [0.02, 0.33],
  erasingRatio: [0.3, 3.3],
};

/** Privacy images' NT-Xent views: crop, flip and colour jitter. */
export const VIEW_AUGMENT: AugmentConfig = { ...CLIP_AUGMENT, grayscale: 0, erasing: 0 };

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface AugmentParams {
  /** Source region, in input pixels. */
  crop: Rect;
  flip: boolean;
  /** Brightness, contrast, saturation factors and hue turn; null leaves colours alone. */
  colour: { brightness: number; contrast: number; saturation: number; hue: number } | null;
  gray: boolean;
  /** Zeroed rectangle in output pixels. */
  erase: Rect | null;
}

export function sampleAugment(
  rng: Rng,
  inW: number,
  inH: number,
  outW: number,
  outH: number,
  c: AugmentConfig,
): AugmentParams {
  const w = inW * rng.uniform(c.scale[0], c.scale[1]);
  const h = inH * rng.uniform(c.scale[0], c.scale[1]);
  const crop = { x: rng.uniform(0, inW - w), y: rng.uniform(0, inH - h), w, h };
  const flip = rng.bool(c.flip);
  const around = (k: number): number => rng.uniform(Math.max(0, 1 - k), 1 + k);
  const colour = {
    brightness: around(c.brightness),
    contrast: around(c.contrast),
    saturation: around(c.saturation),
    hue: rng.uniform(-c.hue, c.hue),
  };
  const gray = rng.bool(c.grayscale);
  let erase: Rect | null = null;
  if (rng.bool(c.erasing)) {
    // torchvision's RandomErasing: up to ten tries at an area and log-uniform aspect that fit.
    for (let k = 0; k < 10 && !erase; k++) {
      const area = outW * outH * rng.uniform(c.erasingScale[0], c.erasingScale[1]);
      const ratio = Math.exp(rng.uniform(Math.log(c.erasingRatio[0]), Math.log(c.erasingRatio[1])));
      const eh = Math.round(Math.sqrt(area * ratio));
      const ew = Math.round(Math.sqrt(area / ratio));
      if (eh < outH && ew < outW)
        erase = { x: rng.int(0, outW - ew), y: rng.int(0, outH - eh), w: ew, h: eh };
    }
  }
  return { crop, flip, colour, gray, erase };
}

/** Evaluation: a centred crop of `fraction` of each side, nothing random. */
export function centreCrop(inW: number, inH: number, fraction = 0.8): AugmentParams {
  const w = inW * fraction;
  const h = inH * fraction;
  return {
    crop: { x: (inW - w) / 2, y: (inH - h) / 2, w, h },
    flip: false,
    colour: null,
    gray: false,
    erase: null,
  };
}

const LUMA = [0.299, 0.587, 0.114] as const;
type Mat = number[]; // 3x3 row-major

const mul = (a: Mat, b: Mat): Mat =>
  [0, 1, 2].flatMap((r) =>
    [0, 1, 2].map((c) => a[r * 3]! * b[c]! + a[r * 3 + 1]! * b[3 + c]! + a[r * 3 + 2]! * b[6 + c]!),
  );
const apply = (m: Mat, v: number[]): number[] =>
  [0, 1, 2].map((r) => m[r * 3]! * v[0]! + m[r * 3 + 1]! * v[1]! + m[r * 3 + 2]! * v[2]!);
const toGray: Mat = [...LUMA, ...LUMA, ...LUMA];

/** Mean luma of a frame in [0, 1], from every 4th pixel (contrast pulls towards it). */
function meanLuma(f: Uint8Array): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < f.length; i += 12) {
    s += LUMA[0] * f[i]! + LUMA[1] * f[i + 1]! + LUMA[2] * f[i + 2]!;
    n++;
  }
  return s / n / 255;
}

/** The colour map of one frame: out = M x + o, in [0, 1] units. */
function colourMap(p: AugmentParams, frame: Uint8Array): { m: Mat; o: number[] } {
  let m: Mat = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  let o = [0, 0, 0];
  const c = p.colour;
  if (c) {
    const b = c.brightness;
    const mean = b * meanLuma(frame);
    m = [b * c.contrast, 0, 0, 0, b * c.contrast, 0, 0, 0, b * c.contrast];
    o = [1, 1, 1].map(() => (1 - c.contrast) * mean);
    const s = c.saturation;
    const sat: Mat = [0, 1, 2].flatMap((r) => [0, 1, 2].map((k) => (r === k ? s : 0) + (1 - s) * LUMA[k]!));
    m = mul(sat, m);
    o = apply(sat, o);
    // Rotation by the hue angle about the grey axis (1, 1, 1) / sqrt(3).
    const th = 2 * Math.PI * c.hue;
    const cos = Math.cos(th);
    const sin = Math.sin(th) / Math.sqrt(3);
    const t = (1 - cos) / 3;
    const rot: Mat = [cos + t, t - sin, t + sin, t + sin, cos + t, t - sin, t - sin, t + sin, cos + t];
    m = mul(rot, m);
    o = apply(rot, o);
  }
  if (p.gray) {
    m = mul(toGray, m);
    o = apply(toGray, o);
  }
  return { m, o };
}

/**
 * Writes the augmented frames into `out` (allocated when not given) as (3, T, outH, outW) float32:
 * the clip layout veil's action models read; a single image is the T = 1 case, (3, H, W).
 */
export function augmentFrames(
  frames: readonly Uint8Array[],
  inW: number,
  inH: number,
  p: AugmentParams,
  outW: number,
  outH: number,
  out: Float32Array = new Float32Array(3 * frames.length * outW * outH),
): Float32Array {
  const T = frames.length;
  const plane = outW * outH;
  if (out.length !== 3 * T * plane)
    throw new Error(`augmentFrames: output holds ${out.length}, need ${3 * T * plane}`);
  // Bilinear taps per output column and row, shared by every frame.
  const taps = (n: number, start: number, size: number, limit: number, flip: boolean) => {
    const i0 = new Int32Array(n);
    const i1 = new Int32Array(n);
    const w = new Float32Array(n);
    for (let k = 0; k < n; k++) {
      const at = flip ? n - 1 - k : k;
      const s = Math.min(limit - 1, Math.max(0, start + ((at + 0.5) * size) / n - 0.5));
      i0[k] = Math.floor(s);
      i1[k] = Math.min(limit - 1, i0[k]! + 1);
      w[k] = s - i0[k]!;
    }
    return { i0, i1, w };
  };
  const cx = taps(outW, p.crop.x, p.crop.w, inW, p.flip);
  const cy = taps(outH, p.crop.y, p.crop.h, inH, false);
  const k = 1 / 255;
  for (let t = 0; t < T; t++) {
    const f = frames[t]!;
    if (f.length !== inW * inH * 3) throw new Error(`augmentFrames: frame ${t} is not ${inW}x${inH} RGB`);
    const { m, o } = colourMap(p, f);
    const [m0, m1, m2, m3, m4, m5, m6, m7, m8] = m as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const [o0, o1, o2] = o as [number, number, number];
    const base = t * plane;
    for (let y = 0; y < outH; y++) {
      const r0 = cy.i0[y]! * inW;
      const r1 = cy.i1[y]! * inW;
      const wy = cy.w[y]!;
      for (let x = 0; x < outW; x++) {
        const a = (r0 + cx.i0[x]!) * 3;
        const b = (r0 + cx.i1[x]!) * 3;
        const c = (r1 + cx.i0[x]!) * 3;
        const d = (r1 + cx.i1[x]!) * 3;
        const wx = cx.w[x]!;
        const w00 = (1 - wx) * (1 - wy) * k;
        const w01 = wx * (1 - wy) * k;
        const w10 = (1 - wx) * wy * k;
        const w11 = wx * wy * k;
        const r = f[a]! * w00 + f[b]! * w01 + f[c]! * w10 + f[d]! * w11;
        const g = f[a + 1]! * w00 + f[b + 1]! * w01 + f[c + 1]! * w10 + f[d + 1]! * w11;
        const bl = f[a + 2]! * w00 + f[b + 2]! * w01 + f[c + 2]! * w10 + f[d + 2]! * w11;
        const i = base + y * outW + x;
        const vr = m0 * r + m1 * g + m2 * bl + o0;
        const vg = m3 * r + m4 * g + m5 * bl + o1;
        const vb = m6 * r + m7 * g + m8 * bl + o2;
        out[i] = vr < 0 ? 0 : vr > 1 ? 1 : vr;
        out[T * plane + i] = vg < 0 ? 0 : vg > 1 ? 1 : vg;
        out[2 * T * plane + i] = vb < 0 ? 0 : vb > 1 ? 1 : vb;
      }
    }
    const e = p.erase;
    if (e) {
      for (let ch = 0; ch < 3; ch++) {
        for (let y = e.y; y < e.y + e.h; y++)
          out.fill(0, ch * T * plane + base + y * outW + e.x, ch * T * plane + base + y * outW + e.x + e.w);
      }
    }
  }
  return out;
}
