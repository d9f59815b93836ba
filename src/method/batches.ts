// Batches as tensors, from the in-memory sets: training clips (random start, one augmentation per
// clip), the 5 evenly spaced centre-cropped test clips of a video, privacy images (two NT-Xent views
// each, or one view for the attacker). The frame choice and the augmentation are data/'s own;
// randomness comes from a seeded stream per batch, so any batch can be rebuilt on resume. Every
// batch is decoded on the CPU and lands on `device`, the device of the network it is built for.
import { augmentFrames, type AugmentConfig, centreCrop, sampleAugment } from '../data/augment.js';
import { testClips, trainClip } from '../data/clips.js';
import type { Rng } from '../data/rng.js';
import * as T from '../torch/index.js';
import type { Device, Tensor } from '../torch/index.js';
import type { ImageSet, VideoSet } from './sets.js';

export interface ClipShape {
  /** Frames per clip and the stride between them. */
  frames: number;
  stride: number;
  /** Network input side (square). */
  size: number;
}

/** Training clips (B, 3, T, S, S) in [0, 1] and their labels (B). */
export function trainClipBatch(
  set: VideoSet,
  idx: readonly number[],
  s: ClipShape,
  aug: AugmentConfig,
  rng: Rng,
  device: Device,
): { x: Tensor; y: Tensor } {
  const per = 3 * s.frames * s.size * s.size;
  const buf = new Float32Array(idx.length * per);
  idx.forEach((i, k) => {
    const v = set.items[i];
    if (!v) throw new Error(`trainClipBatch: no video ${i} in ${set.name}`);
    const pick = trainClip(v.frames.length, s.frames, s.stride, rng).map((f) => v.frames[f] as Uint8Array);
    const p = sampleAugment(rng, set.width, set.height, s.size, s.size, aug);
    augmentFrames(pick, set.width, set.height, p, s.size, s.size, buf.subarray(k * per, (k + 1) * per));
  });
  return {
    x: T.tensor(buf, [idx.length, 3, s.frames, s.size, s.size], { device }),
    y: T.tensor(
      idx.map((i) => (set.items[i] as { label: number }).label),
      [idx.length],
      { dtype: 'int64', device },
    ),
  };
}

/** The `k` test clips of each video (centre crop 0.8), video-major: (B*k, 3, T, S, S). */
export function testClipBatch(
  set: VideoSet,
  idx: readonly number[],
  s: ClipShape,
  k: number,
  device: Device,
): Tensor {
  const per = 3 * s.frames * s.size * s.size;
  const buf = new Float32Array(idx.length * k * per);
  const crop = centreCrop(set.width, set.height, 0.8);
  let n = 0;
  for (const i of idx) {
    const v = set.items[i];
    if (!v) throw new Error(`testClipBatch: no video ${i} in ${set.name}`);
    for (const clip of testClips(v.frames.length, s.frames, s.stride, k)) {
      const pick = clip.map((f) => v.frames[f] as Uint8Array);
      augmentFrames(pick, set.width, set.height, crop, s.size, s.size, buf.subarray(n * per, (n + 1) * per));
      n++;
    }
  }
  return T.tensor(buf, [idx.length * k, 3, s.frames, s.size, s.size], { device });
}

/** One view per image (N, 3, S, S): augmented when `aug` is given, else the centre crop 0.8. */
export function imageBatch(
  set: ImageSet,
  idx: readonly number[],
  size: number,
  aug: AugmentConfig | null,
  rng: Rng | null,
  device: Device,
): Tensor {
  const per = 3 * size * size;
  const buf = new Float32Array(idx.length * per);
  idx.forEach((i, k) => {
    const im = set.items[i];
    if (!im) throw new Error(`imageBatch: no image ${i} in ${set.name}`);
    const p =
      aug && rng
        ? sampleAugment(rng, set.width, set.height, size, size, aug)
        : centreCrop(set.width, set.height, 0.8);
    augmentFrames([im.data], set.width, set.height, p, size, size, buf.subarray(k * per, (k + 1) * per));
  });
  return T.tensor(buf, [idx.length, 3, size, size], { device });
}

/** Attribute labels (N, A) as float 0/1, for BCE. */
export function attributeTargets(set: ImageSet, idx: readonly number[], device: Device): Tensor {
  const a = set.attributes.length;
  const buf = new Float32Array(idx.length * a);
  idx.forEach((i, k) => buf.set((set.items[i] as { labels: Uint8Array }).labels, k * a));
  return T.tensor(buf, [idx.length, a], { device });
}

/** The epoch's order of n items, cut into batches of `size` (the last, partial one dropped when `dropLast`). */
export function batchOrder(n: number, size: number, rng: Rng | null, dropLast: boolean): number[][] {
  const order = rng ? Array.from(rng.permutation(n)) : Array.from({ length: n }, (_, i) => i);
  const out: number[][] = [];
  for (let i = 0; i < n; i += size) {
    const b = order.slice(i, i + size);
    if (dropLast && b.length < size) break;
    out.push(b);
  }
  return out;
}
