// What a batch is made of, and how it is drawn: training clips (random start, one augmentation per
// clip), the K evenly spaced centre-cropped test clips of a video, and views of images (augmented, or
// the centre crop). Everything random is drawn here, on the calling thread, from the one stream the
// caller gives, in a fixed order; the workers then only read and augment. So a batch is the same
// whatever the number of workers, and any batch can be drawn again from its stream on resume.
import * as T from '../../torch/index.js';
import type { Device, Tensor } from '../../torch/index.js';
import { type AugmentConfig, type AugmentParams, centreCrop, sampleAugment } from '../augment.js';
import { testClips, trainClip } from '../clips.js';
import type { Rng } from '../rng.js';
import type { FrameReader } from './reader.js';
import type { ImageSet, VideoSet } from './sets.js';
import { frameCount } from './sources.js';
import type { Output, Task } from './tasks.js';

export interface ClipShape {
  /** Frames per clip and the stride between them. */
  frames: number;
  stride: number;
  /** Network input side (square). */
  size: number;
}

/**
 * One part of a batch, and the tensors it gives:
 * - 'train-clips': one augmented clip per video, x (B, 3, T, S, S) and labels y (B) int64; with
 *   `targets`, then those labels (B, A) as float 0/1;
 * - 'test-clips': the `clips` test clips of each video (centre crop 0.8), video-major, x (B*K, 3, T, S, S);
 * - 'images': `views` views per image, one (N, 3, S, S) tensor per view: augmented when `augment`
 *   is given (all first views drawn, then all second views), else the centre crop 0.8; with
 *   `targets`, then the attribute labels (N, A) as float 0/1.
 */
export type Part =
  | {
      kind: 'train-clips';
      set: VideoSet;
      idx: readonly number[];
      shape: ClipShape;
      augment: AugmentConfig;
      /** Item i's 0/1 labels of another task (the video-level attacker's attributes), as a third tensor. */
      targets?: (item: number) => Uint8Array;
    }
  | { kind: 'test-clips'; set: VideoSet; idx: readonly number[]; shape: ClipShape; clips: number }
  | {
      kind: 'images';
      set: ImageSet;
      idx: readonly number[];
      size: number;
      augment: AugmentConfig | null;
      views: number;
      targets?: boolean;
    };

/** A batch whose parts are being read: `ready` settles when every output is written. */
export interface Drawn {
  ready: Promise<void>;
  /** The parts' tensors on `device` (the caller owns them); only after `ready`. */
  take(device: Device): Tensor[][];
}

/** Shared memory for a tensor's values, so that workers write them in place. */
const shared = (n: number): Float32Array => new Float32Array(new SharedArrayBuffer(n * 4));

function item<T>(items: readonly T[], i: number, name: string): T {
  const it = items[i];
  if (it === undefined) throw new Error(`batch: no item ${i} in ${name}`);
  return it;
}

/**
 * Draws the parts' randomness from `rng` (in part order; null where no part is random) and starts
 * reading them, each through its set's reader.
 */
export function drawBatch(parts: readonly Part[], rng: Rng | null): Drawn {
  const tasks = new Map<FrameReader, Task[]>();
  const add = (r: FrameReader, t: Task): void => {
    const list = tasks.get(r);
    if (list) list.push(t);
    else tasks.set(r, [t]);
  };
  const make: ((device: Device) => Tensor[])[] = [];
  for (const p of parts) {
    p.set.reader.warm(p.set);
    if (p.kind === 'train-clips' || p.kind === 'test-clips') {
      const { set, shape: s } = p;
      const k = p.kind === 'test-clips' ? p.clips : 1;
      const per = 3 * s.frames * s.size * s.size;
      const buf = shared(p.idx.length * k * per);
      const crop = centreCrop(set.width, set.height, 0.8);
      p.idx.forEach((i, b) => {
        const v = item(set.items, i, set.name);
        const n = frameCount(v.source);
        let clips: number[][];
        let params: AugmentParams[];
        if (p.kind === 'train-clips') {
          if (!rng) throw new Error('batch: training clips need a random stream');
          clips = [trainClip(n, s.frames, s.stride, rng)];
          params = [sampleAugment(rng, set.width, set.height, s.size, s.size, p.augment)];
        } else {
          clips = testClips(n, s.frames, s.stride, k);
          params = clips.map(() => crop);
        }
        const outputs: Output[] = clips.map((frames, c) => ({
          frames,
          params: params[c] as AugmentParams,
          width: s.size,
          height: s.size,
          into: buf.subarray((b * k + c) * per, (b * k + c + 1) * per),
        }));
        add(set.reader, { source: v.source, outputs, whole: false });
      });
      const shape = [p.idx.length * k, 3, s.frames, s.size, s.size];
      make.push((device) => {
        const x = T.tensor(buf, shape, { device });
        if (p.kind === 'test-clips') return [x];
        const labels = p.idx.map((i) => item(set.items, i, set.name).label);
        const y = T.tensor(labels, [labels.length], { dtype: 'int64', device });
        if (!p.targets) return [x, y];
        const rows = p.idx.map((i) => (p.targets as (i: number) => Uint8Array)(i));
        const a = rows[0]?.length ?? 0;
        const t = new Float32Array(rows.length * a);
        rows.forEach((r, k) => t.set(r, k * a));
        return [x, y, T.tensor(t, [rows.length, a], { device })];
      });
    } else {
      const { set, size } = p;
      const per = 3 * size * size;
      const bufs = Array.from({ length: p.views }, () => shared(p.idx.length * per));
      const outputs: Output[][] = p.idx.map(() => []);
      for (let view = 0; view < p.views; view++)
        p.idx.forEach((i, b) => {
          const im = item(set.items, i, set.name);
          if (p.augment && !rng) throw new Error('batch: augmented images need a random stream');
          const params =
            p.augment && rng
              ? sampleAugment(rng, set.width, set.height, size, size, p.augment)
              : centreCrop(set.width, set.height, 0.8);
          const into = (bufs[view] as Float32Array).subarray(b * per, (b + 1) * per);
          (outputs[b] as Output[]).push({ frames: [im.frame], params, width: size, height: size, into });
        });
      p.idx.forEach((i, b) =>
        add(set.reader, {
          source: item(set.items, i, set.name).source,
          outputs: outputs[b] as Output[],
          whole: false,
        }),
      );
      make.push((device) => [
        ...bufs.map((buf) => T.tensor(buf, [p.idx.length, 3, size, size], { device })),
        ...(p.targets ? [attributeTargets(set, p.idx, device)] : []),
      ]);
    }
  }
  const ready = Promise.all([...tasks].map(([r, t]) => r.run(t))).then(() => undefined);
  // A failure surfaces where the batch is awaited, not as an unhandled rejection before.
  ready.catch(() => undefined);
  return { ready, take: (device) => make.map((m) => m(device)) };
}

/** Tensor k of part `part` of a batch (what Part documents each kind to give). */
export function tensorOf(b: readonly Tensor[][], part: number, k = 0): Tensor {
  const t = b[part]?.[k];
  if (!t) throw new Error(`batch: no tensor ${k} in part ${part}`);
  return t;
}

/** Attribute labels (N, A) as float 0/1, for BCE. */
export function attributeTargets(set: ImageSet, idx: readonly number[], device: Device): Tensor {
  const a = set.attributes.length;
  const buf = new Float32Array(idx.length * a);
  idx.forEach((i, k) => buf.set(item(set.items, i, set.name).labels, k * a));
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
