// Where an item's frames are: a video file and which of its frames, an image file, frames veil
// wrote to a raw file, or bytes in memory. Plain data, so a source travels to a worker as it is.
import type { VideoInfo } from '../video/probe.js';

/** Where an item's frames are; each frame is width*height*3 RGB bytes once read. */
export type FrameSource =
  /** Frames `frames[i]` of a video file, scaled to the size on decode. */
  | { kind: 'video'; path: string; frames: number[]; info: VideoInfo; width: number; height: number }
  /** An image file, scaled to the size on decode: one frame. */
  | { kind: 'image'; path: string; width: number; height: number }
  /** `count` frames end to end in a raw file from byte `offset` (frames veil wrote: anonymized sets). */
  | { kind: 'raw'; path: string; offset: number; count: number; width: number; height: number }
  /** `count` frames end to end in memory (on a SharedArrayBuffer, so workers read it in place). */
  | { kind: 'bytes'; data: Uint8Array; count: number; width: number; height: number };

export const frameCount = (s: FrameSource): number =>
  s.kind === 'video' ? s.frames.length : s.kind === 'image' ? 1 : s.count;

export const frameSize = (s: { width: number; height: number }): number => s.width * s.height * 3;

/** Bytes the source's frames take once decoded. */
export const sourceBytes = (s: FrameSource): number => frameCount(s) * frameSize(s);

/** Frame i of a bytes source, as a view. */
export function frameOf(s: Extract<FrameSource, { kind: 'bytes' }>, i: number): Uint8Array {
  const n = frameSize(s);
  return s.data.subarray(i * n, (i + 1) * n);
}

/** Frames copied end to end into shared memory, as a source (rendered or anonymized frames). */
export function bytesSource(frames: readonly Uint8Array[], width: number, height: number): FrameSource {
  const n = width * height * 3;
  const data = new Uint8Array(new SharedArrayBuffer(frames.length * n));
  frames.forEach((f, i) => {
    if (f.length !== n) throw new Error(`bytesSource: frame ${i} is not ${width}x${height} RGB`);
    data.set(f, i * n);
  });
  return { kind: 'bytes', data, count: frames.length, width, height };
}
