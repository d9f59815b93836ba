// A frozen anonymizer applied to a whole dataset: the evaluation protocol judges anonymized copies
// of the videos and images, stored again as 8-bit frames, as a deployed f_A would write them (in
// memory while the reader's cache has room, else in a raw file the loader streams from).
import { isTemporal, type Network } from '../models/index.js';
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { Anonymizer } from './baselines.js';
import {
  type Box,
  type FrameReader,
  type FrameSource,
  frameCount,
  type ImageItem,
  type ImageSet,
  type VideoItem,
  type VideoSet,
} from '../data/loader/index.js';

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

/** What anonymizing a set reads: frames `frames` of each source (all when null), with their boxes. */
interface Piece {
  source: FrameSource;
  frames: number[] | null;
  boxes: (Box[] | null)[] | null;
}

/**
 * The pieces' frames as one stream, anonymized `chunk` frames at a time (as many at once whatever
 * the set's size: the same chunks, so the same bytes, as anonymizing them all in memory), each
 * piece's frames handed to `done` in order. Sources are read a few pieces ahead.
 */
async function anonymizeStream(
  a: Anonymizer,
  reader: FrameReader,
  pieces: readonly Piece[],
  w: number,
  h: number,
  done: (k: number, frames: Uint8Array[]) => void,
  chunk = 256,
): Promise<void> {
  const n = w * h * 3;
  // Pieces are read in windows (one ffmpeg process per few videos), one window ahead.
  const WINDOW = 16;
  const read = (from: number): Promise<Uint8Array[][]> => {
    const ps = pieces.slice(from, from + WINDOW);
    return reader.framesMany(ps.map((p) => p.source)).then((all) =>
      all.map((f, k) => {
        const p = ps[k] as Piece;
        const idx = p.frames ?? Array.from({ length: frameCount(p.source) }, (_, i) => i);
        return idx.map((i) => f.subarray(i * n, (i + 1) * n));
      }),
    );
  };
  const windows: Promise<Uint8Array[][]>[] = [];
  let next = 0;
  const fill = (): void => {
    while (next < pieces.length && windows.length < 2) {
      const p = read(next);
      p.catch(() => undefined);
      windows.push(p);
      next += WINDOW;
    }
  };
  let window: Uint8Array[][] = [];
  let inFrames: Uint8Array[] = [];
  let inBoxes: (Box[] | null)[] = [];
  let out: Uint8Array[] = [];
  let emitted = 0;
  const lengths: number[] = [];
  const emit = (): void => {
    while (emitted < lengths.length && out.length >= (lengths[emitted] as number)) {
      const len = lengths[emitted] as number;
      done(emitted++, out.slice(0, len));
      out = out.slice(len);
    }
  };
  const run = (k: number): void => {
    const part = inFrames.slice(0, k);
    out.push(...T.tidy(() => tensorToFrames(a.apply(framesToTensor(part, w, h), inBoxes.slice(0, k)))));
    inFrames = inFrames.slice(k);
    inBoxes = inBoxes.slice(k);
    emit();
  };
  fill();
  for (let k = 0; k < pieces.length; k++) {
    if (k % WINDOW === 0) {
      window = await (windows.shift() as Promise<Uint8Array[][]>);
      fill();
    }
    const frames = window[k % WINDOW] as Uint8Array[];
    const p = pieces[k] as Piece;
    lengths.push(frames.length);
    inFrames.push(...frames);
    inBoxes.push(...(p.boxes ?? frames.map(() => null)));
    while (inFrames.length >= chunk) run(chunk);
    emit();
  }
  if (inFrames.length > 0) run(inFrames.length);
  emit();
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

/** The set through the anonymizer, its frames stored by the set's reader (memory or disk). */
export async function anonymizeVideoSet(a: Anonymizer, set: VideoSet): Promise<VideoSet> {
  // The raw set is read again for every anonymizer judged: kept in memory when it fits.
  set.reader.warm(set);
  const writer = set.reader.writer(set.width, set.height);
  const items: VideoItem[] = new Array(set.items.length);
  const n = set.width * set.height * 3;
  try {
    const video = a.video;
    if (video) {
      // A motion-aware f_A: each video on its own, its frames in order.
      for (let k = 0; k < set.items.length; k += 16) {
        const part = set.items.slice(k, k + 16);
        const all = await set.reader.framesMany(part.map((v) => v.source));
        part.forEach((v, i) => {
          const f = all[i] as Uint8Array;
          const frames = Array.from({ length: frameCount(v.source) }, (_, j) =>
            f.subarray(j * n, (j + 1) * n),
          );
          items[k + i] = {
            ...v,
            source: writer.add(anonymizeVideoFrames(video, frames, set.width, set.height)),
          };
        });
      }
    } else {
      // All frames of all videos in one stream, then cut back per video.
      const pieces = set.items.map((v) => ({ source: v.source, frames: null, boxes: v.boxes }));
      await anonymizeStream(a, set.reader, pieces, set.width, set.height, (k, frames) => {
        items[k] = { ...(set.items[k] as VideoItem), source: writer.add(frames) };
      });
    }
  } finally {
    writer.close();
  }
  return { ...set, items };
}

export async function anonymizeImageSet(a: Anonymizer, set: ImageSet): Promise<ImageSet> {
  set.reader.warm(set);
  const writer = set.reader.writer(set.width, set.height);
  const items: ImageItem[] = new Array(set.items.length);
  const pieces = set.items.map((im) => ({ source: im.source, frames: [im.frame], boxes: [im.boxes] }));
  try {
    await anonymizeStream(a, set.reader, pieces, set.width, set.height, (k, frames) => {
      items[k] = { ...(set.items[k] as ImageItem), source: writer.add(frames), frame: 0 };
    });
  } finally {
    writer.close();
  }
  return { ...set, items };
}

/** Gives back the memory and files of sets anonymizeVideoSet / anonymizeImageSet made. */
export function forgetSets(...sets: (VideoSet | ImageSet)[]): void {
  for (const s of sets) s.reader.forget(s.items.map((it) => it.source));
}
