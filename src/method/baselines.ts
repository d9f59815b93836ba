// Anonymizers judged by the same protocol as f_A: raw data, spatial downsampling, and obfuscation
// of the person region (blackening, strong and weak Gaussian blur) from per-frame person boxes.
// Each maps frames (N, 3, H, W) in [0, 1] to frames of the same size.
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Box } from '../data/loader/index.js';

export interface Anonymizer {
  readonly name: string;
  /** Whether apply() reads the person boxes (the obfuscation baselines do). */
  readonly needsBoxes: boolean;
  /** frames (N, 3, H, W) in [0, 1], each on its own; boxes[i]: every person in frame i, in its pixels. */
  apply(frames: Tensor, boxes: (Box[] | null)[]): Tensor;
  /**
   * An anonymizer that sees neighbouring frames (a motion-aware f_A): consecutive frames (F, 3, H, W)
   * of one video, the first `context` of them only as the past of the others (their outputs are
   * dropped by the caller).
   */
  readonly video?: { context: number; apply(frames: Tensor): Tensor };
}

export const raw: Anonymizer = { name: 'raw data', needsBoxes: false, apply: (x) => x.clone() };

/** Spatial downsampling by k (area average), shown back at the input size (bilinear). */
export function downsample(k: number): Anonymizer {
  return {
    name: `downsample ${k}x`,
    needsBoxes: false,
    apply: (x) =>
      T.tidy(() =>
        T.interpolate(T.avgPool2d(x, k), { size: x.shape.slice(2), mode: 'bilinear' }).clamp(0, 1),
      ),
  };
}

/** (N, 1, H, W) with 1 inside any of each frame's boxes, on `device` (the frames'). */
export function personMask(boxes: (Box[] | null)[], h: number, w: number, device: T.Device): Tensor {
  const m = new Float32Array(boxes.length * h * w);
  boxes.forEach((bs, i) => {
    if (!bs)
      throw new Error('personMask: this dataset has no person boxes (obfuscation baselines need them)');
    for (const [x0, y0, x1, y1] of bs) {
      for (let y = Math.max(0, Math.floor(y0)); y < Math.min(h, Math.ceil(y1)); y++)
        m.fill(
          1,
          i * h * w + y * w + Math.max(0, Math.floor(x0)),
          i * h * w + y * w + Math.min(w, Math.ceil(x1)),
        );
    }
  });
  return T.tensor(m, [boxes.length, 1, h, w], { device });
}

/** Separable Gaussian blur with standard deviation `sigma` pixels (kernel 2*ceil(3 sigma)+1, edges replicated). */
export function gaussianBlur(x: Tensor, sigma: number): Tensor {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const c = x.size(1);
  return T.tidy(() => {
    const g = T.tensor(
      k.map((v) => v / sum),
      [1, 1, 1, 2 * r + 1],
      { device: x.device },
    );
    const gx = g.expand(c, 1, 1, 2 * r + 1);
    const gy = g.reshape(1, 1, 2 * r + 1, 1).expand(c, 1, 2 * r + 1, 1);
    const p = T.pad(x, [r, r, r, r], 'replicate');
    return T.conv2d(T.conv2d(p, gx, null, { groups: c }), gy, null, { groups: c });
  });
}

/** The person region replaced: blackened, or blurred with sigma a fraction of the frame height. */
export function obfuscate(kind: 'blackening' | 'strong blur' | 'weak blur'): Anonymizer {
  // Blur strengths as fractions of the frame height: strong hides the face and build, weak softens.
  const sigma = kind === 'strong blur' ? 0.1 : 0.03;
  return {
    name: `obfuscation: ${kind}`,
    needsBoxes: true,
    apply: (x, boxes) =>
      T.tidy(() => {
        const [, , h, w] = x.shape as [number, number, number, number];
        const m = personMask(boxes, h, w, x.device);
        const filled = kind === 'blackening' ? T.zerosLike(x) : gaussianBlur(x, Math.max(0.5, sigma * h));
        return x.mul(T.rsub(m, 1)).add(filled.mul(m));
      }),
  };
}

/** The baselines of the paper's tables that need no training, in the report's order. */
export function baselines(): Anonymizer[] {
  return [
    raw,
    downsample(2),
    downsample(4),
    obfuscate('blackening'),
    obfuscate('strong blur'),
    obfuscate('weak blur'),
  ];
}
