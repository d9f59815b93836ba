// Inference without gradient, and the two ways a frozen network is scored on a set: video-level
// logits (mean softmax over a video's test clips) and per-image logits. The minimax's validation
// and the protocol's fresh judges run the same passes.
import * as T from '../torch/index.js';
import type { Device, Tensor } from '../torch/index.js';
import { batchOrder, type ClipShape, imageBatch, testClipBatch } from './batches.js';
import { meanSoftmax, top1 } from './metrics.js';
import type { ImageSet, VideoSet } from './sets.js';

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
export function videoTop1(
  predict: (clips: Tensor) => number[][],
  set: VideoSet,
  c: { clip: ClipShape; testClips: number; device: Device },
  videosPerBatch = 8,
): number {
  return top1(
    videoScores(predict, set, c, videosPerBatch),
    set.items.map((v) => v.label),
  );
}

/** Per video, the mean softmax of `predict` over its test clips (what top-1 and its interval use). */
export function videoScores(
  predict: (clips: Tensor) => number[][],
  set: VideoSet,
  c: { clip: ClipShape; testClips: number; device: Device },
  videosPerBatch = 8,
): number[][] {
  const scores: number[][] = [];
  for (const idx of batchOrder(set.items.length, videosPerBatch, null, false)) {
    const logits = T.tidy(() => predict(testClipBatch(set, idx, c.clip, c.testClips, c.device)));
    for (let v = 0; v < idx.length; v++)
      scores.push(meanSoftmax(logits.slice(v * c.testClips, (v + 1) * c.testClips)));
  }
  return scores;
}

/** Attribute logits of `predict` over an image set (centre crop). */
export function imageLogits(
  predict: (x: Tensor) => number[][],
  set: ImageSet,
  size: number,
  device: Device,
  batch = 64,
): number[][] {
  const out: number[][] = [];
  for (const idx of batchOrder(set.items.length, batch, null, false))
    out.push(...T.tidy(() => predict(imageBatch(set, idx, size, null, null, device))));
  return out;
}
