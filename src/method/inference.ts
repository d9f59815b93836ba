// Inference without gradient, and the two ways a frozen network is scored on a set: video-level
// logits (mean softmax over a video's test clips) and per-image logits. The minimax's validation
// and the protocol's fresh judges run the same passes.
import * as T from '../torch/index.js';
import type { Device, Tensor } from '../torch/index.js';
import {
  batchOrder,
  BatchStream,
  type ClipShape,
  type ImageSet,
  type Part,
  tensorOf,
  type VideoSet,
} from '../data/loader/index.js';
import { meanSoftmax, top1 } from './metrics.js';

/** Rows of float outputs of `forward(x)` without gradient (the caller sets eval mode). */
export function infer(forward: (x: Tensor) => Tensor, x: Tensor, autocast: boolean): number[][] {
  return T.tidy(() =>
    T.noGrad(() => {
      const cast = { device: T.deviceType(x.device), dtype: 'bfloat16' } as const;
      const y = (autocast ? T.autocast(() => forward(x), cast) : forward(x)).float();
      const [n, d] = y.shape as [number, number];
      const v = y.data() as Float32Array;
      return Array.from({ length: n }, (_, i) => Array.from(v.subarray(i * d, (i + 1) * d)));
    }),
  );
}

/** Video-level top-1 of `predict` (clip logits) on a video set, mean softmax over its test clips. */
export async function videoTop1(
  predict: (clips: Tensor) => number[][],
  set: VideoSet,
  c: { clip: ClipShape; testClips: number; device: Device },
  videosPerBatch = 8,
): Promise<number> {
  return top1(
    await videoScores(predict, set, c, videosPerBatch),
    set.items.map((v) => v.label),
  );
}

/** Runs `each` on every batch of `parts` in order (read ahead, in dataset order), disposing them. */
async function inOrder(
  n: number,
  per: number,
  parts: (idx: number[]) => Part[],
  device: Device,
  each: (b: Tensor[][], idx: number[]) => void,
): Promise<void> {
  const batches = batchOrder(n, per, null, false);
  const stream = new BatchStream(batches.length, (j) => parts(batches[j] as number[]), null, device);
  for (const idx of batches) {
    const b = await stream.nextBatch();
    try {
      each(b, idx);
    } finally {
      T.dispose(b);
    }
  }
}

/** Per video, the mean softmax of `predict` over its test clips (what top-1 and its interval use). */
export async function videoScores(
  predict: (clips: Tensor) => number[][],
  set: VideoSet,
  c: { clip: ClipShape; testClips: number; device: Device },
  videosPerBatch = 8,
): Promise<number[][]> {
  const scores: number[][] = [];
  const clips = (idx: number[]): Part[] => [
    { kind: 'test-clips', set, idx, shape: c.clip, clips: c.testClips },
  ];
  await inOrder(set.items.length, videosPerBatch, clips, c.device, (b, idx) => {
    const logits = T.tidy(() => predict(tensorOf(b, 0)));
    for (let v = 0; v < idx.length; v++)
      scores.push(meanSoftmax(logits.slice(v * c.testClips, (v + 1) * c.testClips)));
  });
  return scores;
}

/** Attribute logits of `predict` over an image set (centre crop). */
export async function imageLogits(
  predict: (x: Tensor) => number[][],
  set: ImageSet,
  size: number,
  device: Device,
  batch = 64,
): Promise<number[][]> {
  const out: number[][] = [];
  const crops = (idx: number[]): Part[] => [{ kind: 'images', set, idx, size, augment: null, views: 1 }];
  await inOrder(set.items.length, batch, crops, device, (b) =>
    out.push(...T.tidy(() => predict(tensorOf(b, 0)))),
  );
  return out;
}
