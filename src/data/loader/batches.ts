// The part every loader shares: the epoch's order (a seeded shuffle), batches, and a bounded
// read-ahead of batches whose items are decoded and augmented in the worker pool while the
// training loop works. Item i of epoch e is always drawn from the stream (seed, e, i): the
// batches are identical whatever the number of workers or the read-ahead.
import { availableParallelism } from 'node:os';

import { Rng } from '../rng.js';
import { TaskPool } from './pool.js';
import type { Task, TaskResult } from './tasks.js';

export interface LoaderOptions {
  batchSize: number;
  seed?: number;
  /** Shuffle each epoch (default: on for training). */
  shuffle?: boolean;
  /** Drop a last, smaller batch (default: on for training). */
  dropLast?: boolean;
  /** Worker threads (default: up to 2); 0 works on the calling thread. */
  workers?: number;
  /** Batches prepared ahead of the one being consumed (default 2). */
  prefetch?: number;
  /** A pool to share with other loaders instead of starting one. */
  pool?: TaskPool;
  /** Keep reading ahead into the next epoch (default: on for training). */
  acrossEpochs?: boolean;
}

/** Files decoded by one ffmpeg process. */
const GROUP = 8;

export const defaultWorkers = (): number => Math.min(2, availableParallelism());

export abstract class BatchLoader<Item, Batch> {
  protected readonly pool: TaskPool;
  private readonly ownsPool: boolean;
  readonly seed: number;

  constructor(
    readonly items: readonly Item[],
    readonly opts: LoaderOptions,
    private readonly training: boolean,
  ) {
    if (!(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) {
      throw new Error(`loader: batch size must be a positive integer, got ${opts.batchSize}`);
    }
    if (items.length === 0) throw new Error('loader: no items to load');
    this.seed = opts.seed ?? 0;
    this.ownsPool = !opts.pool;
    this.pool = opts.pool ?? new TaskPool(opts.workers ?? defaultWorkers());
  }

  /** The task for one item; `key` seeds its randomness. */
  protected abstract task(item: Item, key: number[]): Task;
  /** Turns the items' results into a batch (on the calling thread: tensors are made here). */
  protected abstract assemble(results: TaskResult[], items: Item[], index: Int32Array): Batch;

  private get dropLast(): boolean {
    return this.opts.dropLast ?? this.training;
  }

  get batchesPerEpoch(): number {
    const n = this.items.length / this.opts.batchSize;
    return this.dropLast ? Math.floor(n) : Math.ceil(n);
  }

  /** The item indices of each batch of an epoch, in order. */
  order(epoch: number): Int32Array[] {
    const n = this.items.length;
    const perm =
      (this.opts.shuffle ?? this.training)
        ? new Rng('veil-loader-order', this.seed, epoch).permutation(n)
        : Int32Array.from({ length: n }, (_, i) => i);
    const b = this.opts.batchSize;
    return Array.from({ length: this.batchesPerEpoch }, (_, k) =>
      perm.subarray(k * b, Math.min(n, (k + 1) * b)),
    );
  }

  /** Called with each item's result before assembly (the clip loader keeps file metadata). */
  protected remember(_item: number, _result: TaskResult): void {}

  /** Batches of the next epoch started while the last ones of the current epoch were consumed. */
  private early: { epoch: number; jobs: Promise<TaskResult[]>[] } | null = null;

  /** Decodes and augments one batch's items: raw arrays, so a batch never used costs no tensors. */
  private fetch(epoch: number, index: Int32Array): Promise<TaskResult[]> {
    const tasks = Array.from(index, (i) => this.task(this.items[i] as Item, [this.seed, epoch, i]));
    // A batch goes to one worker in groups of up to 8 (one ffmpeg each); batches in flight
    // together spread over the workers.
    const groups = Array.from({ length: Math.ceil(tasks.length / GROUP) }, (_, g) =>
      tasks.slice(g * GROUP, (g + 1) * GROUP),
    );
    const p = Promise.all(groups.map((g) => this.pool.runGroup(g))).then((r) => {
      const flat = r.flat();
      flat.forEach((x, k) => this.remember(index[k] as number, x));
      return flat;
    });
    // Failures surface when their batch is awaited, not as unhandled rejections before.
    p.catch(() => undefined);
    return p;
  }

  /**
   * The batches of one epoch; the caller owns (and disposes) each batch's tensors. In training
   * the read-ahead runs on into epoch + 1, so that a new epoch does not start with an empty queue.
   */
  async *epoch(epoch = 0): AsyncGenerator<Batch> {
    const batches = this.order(epoch);
    const ahead = Math.max(1, this.opts.prefetch ?? 2);
    const jobs = this.early?.epoch === epoch ? this.early.jobs : [];
    this.early = null;
    let next = jobs.length;
    let following: { epoch: number; batches: Int32Array[]; jobs: Promise<TaskResult[]>[] } | null = null;
    const refill = (): void => {
      while (next < batches.length && jobs.length < ahead)
        jobs.push(this.fetch(epoch, batches[next++] as Int32Array));
      if (next < batches.length || !(this.opts.acrossEpochs ?? this.training)) return;
      following ??= { epoch: epoch + 1, batches: this.order(epoch + 1), jobs: [] };
      const f = following;
      while (jobs.length + f.jobs.length < ahead && f.jobs.length < f.batches.length) {
        f.jobs.push(this.fetch(f.epoch, f.batches[f.jobs.length] as Int32Array));
      }
      this.early = { epoch: f.epoch, jobs: f.jobs };
    };
    refill();
    for (const index of batches) {
      const results = await (jobs.shift() as Promise<TaskResult[]>);
      refill();
      yield this.assemble(
        results,
        Array.from(index, (i) => this.items[i] as Item),
        index,
      );
    }
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.close();
  }
}

/**
 * Equally long arrays as one: a view when they already lie end to end in one buffer (as a
 * worker's group writes them), else a copy.
 */
export function concat(parts: readonly Float32Array[]): Float32Array {
  const first = parts[0];
  if (!first) return new Float32Array(0);
  const each = first.length;
  const adjacent = parts.every(
    (p, i) => p.buffer === first.buffer && p.byteOffset === first.byteOffset + i * each * 4,
  );
  if (adjacent) return new Float32Array(first.buffer, first.byteOffset, each * parts.length);
  const out = new Float32Array(each * parts.length);
  parts.forEach((p, i) => out.set(p, i * each));
  return out;
}
