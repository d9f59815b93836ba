// The messages between the inference thread and the video I/O worker (io_worker.ts). Pixels
// cross as transferred ArrayBuffers, never copied; the worker sends at most `window` frames
// ahead of what it has encoded, which bounds memory however long the video is.
import type { Damage, DecodeHead, DecodeSource } from './timed_decode.js';
import type { EncodeTarget } from './timed_encode.js';

export interface JobSpec {
  source: DecodeSource;
  /** The encoder's settings; the frame size and time base come from the decoder. */
  target: Omit<EncodeTarget, 'width' | 'height' | 'timeBase'>;
  /** The source's nominal frame rate: how long a lone frame lasts (a zero-length one would not play). */
  fps: number;
  /** Output frames are this many input frames wide (2 for --side-by-side). */
  widthFactor: number;
  /**
   * Frames decoded but not yet encoded, at most: `frames`, fewer if they would take more than
   * `bytes`, but never fewer than `least` (one batch, which the inference side waits for).
   */
  window: { frames: number; bytes: number; least: number };
}

export type ToWorker =
  | { type: 'start'; spec: JobSpec }
  /** `count` anonymized RGBA frames, in decode order. */
  | { type: 'out'; buf: ArrayBuffer; count: number }
  /** Every frame has been sent back: finish the file. */
  | { type: 'finish' }
  | { type: 'abort' };

export type FromWorker =
  | ({ type: 'head' } & DecodeHead)
  /** One decoded rgb24 frame. */
  | { type: 'frame'; buf: ArrayBuffer }
  /** The decoder has delivered all `frames`; ffmpeg's signs of a damaged or short input. */
  | { type: 'end'; frames: number; damage: Damage }
  /** The output is complete and in place. */
  | { type: 'closed'; frames: number }
  | { type: 'aborted' }
  | { type: 'error'; message: string };
