// A frozen anonymizer applied to a whole dataset: the evaluation protocol judges anonymized copies
// of the videos and images, stored again as 8-bit frames, as a deployed f_A would write them.
import { isTemporal, type Network } from '../models/index.js';
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Anonymizer } from './baselines.js';
import type { Box, ImageSet, VideoSet } from './sets.js';

/** f_A as an anonymizer: frozen, eval mode, no gradient. */
export function learned(name: string, fA: Network, o: { autocast?: boolean } = {}): Anonymizer {
  const run = (f: (x: Tensor) => Tensor, x: Tensor): Tensor =>
    T.noGrad(() => {
      fA.eval();
      // Frames are decoded on the CPU; f_A may live on a GPU, and the bytes are read back from
      // wherever the output is (Tensor.data copies to the CPU).
      const device = fA.device;
      const go = (): Tensor => f(x.to(device)).float();
      return o.autocast ? T.autocast(go, { device: T.deviceType(device), dtype: 'bfloat16' }) : go();
    });
  return {
    name,
    needsBoxes: false,
    apply: (x) => run((v) => fA.forward(v), x),
    // A motion-aware f_A gets a video's frames in order, as one (1, 3, F, H, W) clip.
    ...(isTemporal(fA)
      ? {
          video: {
            context: fA.gap,
            apply: (x: Tensor) =>
              run(
                (v) =>
                  T.tidy(() =>
                    fA
                      .forwardVideo(v.permute(1, 0, 2, 3).unsqueeze(0))
                      .squeeze(0)
                      .permute(1, 0, 2, 3),
                  ),
                x,
              ),
          },
        }
      : {}),
  };
}

/** H*W*3 byte frames -> (N, 3, H, W) float in [0, 1]. */
export function framesToTensor(frames: readonly Uint8Array[], w: number, h: number): Tensor {
  const buf = new Uint8Array(frames.length * h * w * 3);
  frames.forEach((f, i) => buf.set(f, i * h * w * 3));
  return T.tidy(() =>
    T.tensor(buf, [frames.length, h, w, 3], { dtype: 'uint8' }).permute(0, 3, 1, 2).float().div(255),
  );
}

/** (N, 3, H, W) in [0, 1] -> H*W*3 byte frames (rounded, clamped). */
export function tensorToFrames(x: Tensor): Uint8Array[] {
  const [n, , h, w] = x.shape as [number, number, number, number];
  const bytes = T.tidy(() =>
    T.round(x.mul(255)).clamp(0, 255).to('uint8').permute(0, 2, 3, 1).contiguous().data(),
  ) as Uint8Array;
  return Array.from({ length: n }, (_, i) => bytes.slice(i * h * w * 3, (i + 1) * h * w * 3));
}

/** Runs the anonymizer over frames in chunks (bounded memory), returning new byte frames. */
export function anonymizeFrames(
  a: Anonymizer,
  frames: readonly Uint8Array[],
  boxes: (Box[] | null)[],
  w: number,
  h: number,
  chunk = 256,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < frames.length; i += chunk) {
    const part = frames.slice(i, i + chunk);
    out.push(...T.tidy(() => tensorToFrames(a.apply(framesToTensor(part, w, h), boxes.slice(i, i + chunk)))));
  }
  return out;
}

/**
 * One video's frames through an anonymizer that sees neighbouring frames: in order, in chunks
 * (bounded memory), each chunk after the first led by the `context` frames before it, whose
 * outputs are dropped: every frame sees the same past as in one pass.
 */
export function anonymizeVideoFrames(
  v: NonNullable<Anonymizer['video']>,
  frames: readonly Uint8Array[],
  w: number,
  h: number,
  chunk = 256,
): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < frames.length; i += chunk) {
    const from = Math.max(0, i - v.context);
    const part = frames.slice(from, i + chunk);
    out.push(...T.tidy(() => tensorToFrames(v.apply(framesToTensor(part, w, h)))).slice(i - from));
  }
  return out;
}

export function anonymizeVideoSet(a: Anonymizer, set: VideoSet): VideoSet {
  const video = a.video;
  if (video)
    return {
      ...set,
      items: set.items.map((v) => ({
        ...v,
        frames: anonymizeVideoFrames(video, v.frames, set.width, set.height),
      })),
    };
  // All frames of all videos in one stream, then cut back per video.
  const frames = set.items.flatMap((v) => v.frames);
  const boxes = set.items.flatMap((v) => v.boxes ?? v.frames.map(() => null));
  const anon = anonymizeFrames(a, frames, boxes, set.width, set.height);
  let k = 0;
  const items = set.items.map((v) => {
    const f = anon.slice(k, k + v.frames.length);
    k += v.frames.length;
    return { ...v, frames: f };
  });
  return { ...set, items };
}

export function anonymizeImageSet(a: Anonymizer, set: ImageSet): ImageSet {
  const anon = anonymizeFrames(
    a,
    set.items.map((im) => im.data),
    set.items.map((im) => im.boxes),
    set.width,
    set.height,
  );
  return { ...set, items: set.items.map((im, i) => ({ ...im, data: anon[i] as Uint8Array })) };
}
