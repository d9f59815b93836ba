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
}

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

  private async load(epoch: number, index: Int32Array): Promise<Batch> {
    const items = Array.from(index, (i) => this.items[i] as Item);
    const tasks = items.map((item, k) => this.task(item, [this.seed, epoch, index[k] as number]));
    // One group per worker: each worker decodes its share of the batch with one ffmpeg.
    const size = Math.ceil(tasks.length / Math.max(1, this.pool.workers));
    const groups = Array.from({ length: Math.ceil(tasks.length / size) }, (_, g) =>
      tasks.slice(g * size, (g + 1) * size),
    );
    const results = (await Promise.all(groups.map((g) => this.pool.runGroup(g)))).flat();
    results.forEach((r, k) => this.remember(index[k] as number, r));
    return this.assemble(results, items, index);
  }

  /** The batches of one epoch; the caller owns (and disposes) each batch's tensors. */
  async *epoch(epoch = 0): AsyncGenerator<Batch> {
    const batches = this.order(epoch);
    const ahead = Math.max(1, this.opts.prefetch ?? 2);
    const inflight: Promise<Batch>[] = [];
    let next = 0;
    const start = (): void => {
      const p = this.load(epoch, batches[next++] as Int32Array);
      // Failures surface when their batch is awaited, not as unhandled rejections before.
      p.catch(() => undefined);
      inflight.push(p);
    };
    while (next < batches.length && inflight.length < ahead) start();
    while (inflight.length > 0) {
      const batch = await (inflight.shift() as Promise<Batch>);
      if (next < batches.length) start();
      yield batch;
    }
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.pool.close();
  }
}

/** Concatenates equally long arrays into one (the layout of a batch tensor). */
export function concat(parts: readonly Float32Array[]): Float32Array {
  const each = parts[0]?.length ?? 0;
  const out = new Float32Array(each * parts.length);
  parts.forEach((p, i) => out.set(p, i * each));
  return out;
}
