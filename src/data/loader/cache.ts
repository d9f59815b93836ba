// A bounded store of decoded frames in memory, on SharedArrayBuffers that workers read in place.
// Room is reserved before anything is read and never given to another source while its own frames
// are held, so the bound holds at every moment; nothing is evicted (random batches would turn an
// evicting cache into churn): a whole set is admitted or none of it (FrameReader.warm). Frames veil
// stores itself (anonymized sets) take room here too, until they are forgotten.
import { type FrameSource, sourceBytes } from './sources.js';

/** The default bound: a quarter of this machine's memory, at most 2 GiB. */
export const defaultCacheBytes = (total: number): number => Math.min(2 * 1024 ** 3, Math.floor(total / 4));

export class FrameCache {
  private used = 0;
  private peakUsed = 0;
  private readonly held = new Map<FrameSource, Uint8Array>();

  constructor(readonly bound: number) {
    if (!(Number.isFinite(bound) && bound >= 0)) throw new Error(`frame cache: bad bound ${bound}`);
  }

  /** Bytes reserved or held now, and the most ever. */
  get bytes(): number {
    return this.used;
  }
  get peak(): number {
    return this.peakUsed;
  }

  /** Reserves `n` bytes; false (nothing reserved) when they would pass the bound. */
  reserve(n: number): boolean {
    if (this.used + n > this.bound) return false;
    this.used += n;
    this.peakUsed = Math.max(this.peakUsed, this.used);
    return true;
  }

  release(n: number): void {
    this.used = Math.max(0, this.used - n);
  }

  get(s: FrameSource): Uint8Array | undefined {
    return this.held.get(s);
  }

  /** Keeps the frames of `s`, whose room was reserved. */
  put(s: FrameSource, frames: Uint8Array): void {
    if (frames.length !== sourceBytes(s)) throw new Error('frame cache: frames do not match their source');
    this.held.set(s, frames);
  }

  /** Forgets `s` (its frames held, or its room reserved for a read that failed). */
  drop(s: FrameSource): void {
    this.held.delete(s);
    this.release(sourceBytes(s));
  }
}
