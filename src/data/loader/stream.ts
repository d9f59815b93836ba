// A run of batches read ahead: while the trainer works on batch j, batches j+1..j+ahead are drawn
// and read, never more (the read-ahead is bounded, and so is the memory it takes). Randomness is
// drawn in batch order from either one stream shared by the run (each batch continues where the
// one before stopped) or a stream per batch. A batch can be drawn again (`redo`, for a step redone
// in float32) exactly as if it had been drawn twice in a row: with a shared stream, the batches
// read ahead after it are dropped and drawn again from where the redo leaves the stream (`parts`
// is told which call is the redo, `again`, and is called anew for the batches after it). The time
// the trainer spends waiting for batches is counted here, where it happens.
import type { Device, Tensor } from '../../torch/index.js';
import { Rng } from '../rng.js';
import { type Drawn, drawBatch, type Part } from './batches.js';

export type StreamRng = { shared: Rng } | { each: (j: number) => Rng } | null;

export interface StreamOptions {
  /** Batches read ahead of the one being used (default 2). */
  ahead?: number;
}

export class BatchStream {
  private readonly ahead: number;
  /** Drawn batches by index, and each one's stream as it was left after drawing it. */
  private readonly drawn = new Map<number, Drawn>();
  private readonly after = new Map<number, Rng | null>();
  private shared: Rng | null;
  private next = 0;
  private current = -1;
  /** Seconds spent waiting for batches, and batches handed out. */
  waited = 0;
  taken = 0;

  constructor(
    readonly count: number,
    private readonly parts: (j: number, rng: Rng | null, again: boolean) => Part[],
    private readonly rng: StreamRng,
    private readonly device: Device,
    o: StreamOptions = {},
  ) {
    this.ahead = Math.max(0, o.ahead ?? 2);
    this.shared = rng && 'shared' in rng ? rng.shared : null;
  }

  /** Batches drawn beyond the one in use. */
  get readAhead(): number {
    return this.next - this.current - 1;
  }

  /** Draws batch j from `rng` (its parts first: they may draw from it too, as an epoch's order does). */
  private draw(j: number, rng: Rng | null, again = false): void {
    this.drawn.set(j, drawBatch(this.parts(j, rng, again), rng));
    this.after.set(j, rng ? rng.clone() : null);
  }

  private fill(upTo: number): void {
    for (; this.next <= Math.min(upTo, this.count - 1); this.next++) {
      const r = this.rng === null ? null : 'each' in this.rng ? this.rng.each(this.next) : this.shared;
      this.draw(this.next, r);
    }
  }

  private async take(j: number): Promise<Tensor[][]> {
    const d = this.drawn.get(j) as Drawn;
    const t0 = performance.now();
    try {
      await d.ready;
    } finally {
      this.waited += (performance.now() - t0) / 1000;
    }
    this.taken++;
    return d.take(this.device);
  }

  /** The next batch's parts as tensors (the caller disposes them). */
  async nextBatch(): Promise<Tensor[][]> {
    const j = ++this.current;
    if (j >= this.count) throw new Error(`batch stream: only ${this.count} batches`);
    this.fill(j);
    // Batch j and the ones ahead of it are in flight before j is awaited.
    this.fill(j + this.ahead);
    this.drawn.delete(j - 1);
    this.after.delete(j - 1);
    return this.take(j);
  }

  /** The current batch drawn again, its stream continuing from where drawing it left off. */
  async redo(): Promise<Tensor[][]> {
    const j = this.current;
    if (j < 0) throw new Error('batch stream: nothing to redo');
    const left = this.after.get(j) ?? null;
    const r = left ? left.clone() : null;
    if (this.shared) {
      // What was read ahead drew from the stream after batch j: draw it again after the redo.
      for (let k = j + 1; k < this.next; k++) {
        this.drawn.delete(k);
        this.after.delete(k);
      }
      this.next = j + 1;
      this.shared = r;
    }
    this.draw(j, r, true);
    return this.take(j);
  }
}
