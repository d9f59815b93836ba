// Which frames make a clip. Training: T frames at stride s from a random start, the stride
// halving while the clip would not fit (a video shorter than T frames repeats its last frame).
// Testing: K clips at evenly spaced starts, so the video's prediction averages over its length.
import type { Rng } from './rng.js';

/** The stride actually used: s, halved until T frames at that stride fit in n frames (at least 1). */
export function fittedStride(n: number, frames: number, stride: number): number {
  let s = stride;
  while (s > 1 && (frames - 1) * s + 1 > n) s = Math.floor(s / 2);
  return s;
}

function clipFrom(start: number, n: number, frames: number, stride: number): number[] {
  return Array.from({ length: frames }, (_, t) => Math.min(n - 1, start + t * stride));
}

function check(n: number, frames: number, stride: number): void {
  if (!(Number.isInteger(n) && n >= 1))
    throw new Error(`clip sampling: a video needs at least one frame, got ${n}`);
  if (!(Number.isInteger(frames) && frames >= 1)) throw new Error(`clip sampling: bad clip length ${frames}`);
  if (!(Number.isInteger(stride) && stride >= 1)) throw new Error(`clip sampling: bad stride ${stride}`);
}

/** A training clip's frame indices in a video of n frames. */
export function trainClip(n: number, frames: number, stride: number, rng: Rng): number[] {
  check(n, frames, stride);
  const s = fittedStride(n, frames, stride);
  const span = (frames - 1) * s + 1;
  return clipFrom(rng.int(0, Math.max(0, n - span)), n, frames, s);
}

/** K test clips at evenly spaced starts (one clip: centred). */
export function testClips(n: number, frames: number, stride: number, k: number): number[][] {
  check(n, frames, stride);
  if (!(Number.isInteger(k) && k >= 1)) throw new Error(`clip sampling: bad number of test clips ${k}`);
  const s = fittedStride(n, frames, stride);
  const room = Math.max(0, n - ((frames - 1) * s + 1));
  return Array.from({ length: k }, (_, i) =>
    clipFrom(k === 1 ? Math.floor(room / 2) : Math.round((i * room) / (k - 1)), n, frames, s),
  );
}

/** Evenly spaced frame indices of a video of n frames: all n when n <= k (how whole videos are read). */
export function spacedIndices(n: number, k: number): number[] {
  if (n <= k) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.floor(((i + 0.5) * n) / k));
}
