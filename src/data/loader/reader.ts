// Where batches get their frames: a pool of worker threads that decode and augment, a bounded cache
// of decoded frames (a set that fits in what is left of the bound, the demo's, is decoded once,
// when first read, and then read from memory; a larger one streams from its files every time), and
// a store for the frames veil makes itself (anonymized sets): in memory while the cache has room,
// else in a raw file on disk that workers read back. One reader serves a whole command, so the
// bound is one bound for all its sets.
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

import { defaultCacheBytes, FrameCache } from './cache.js';
import { settle, TaskPool } from './pool.js';
import { bytesSource, type FrameSource, frameCount, frameSize, sourceBytes } from './sources.js';
import { type Task, type TaskResult, TaskRunner } from './tasks.js';

export interface ReaderOptions {
  /** Worker threads (default: up to 2); 0 decodes and augments on the calling thread. */
  workers?: number;
  /** Bytes of decoded frames kept in memory (default: a quarter of the memory, at most 2 GiB); 0: none. */
  cacheBytes?: number;
  /** Folder for stored frames that do not fit the cache (default: a temporary one, removed on close). */
  dir?: string;
}

/** Tasks sent to one worker together: their video files share one ffmpeg process. */
const GROUP = 8;
/** Output values up to which in-memory tasks run on the calling thread (1 Mi floats, 4 MiB). */
const INLINE_FLOATS = 2 ** 20;

export const defaultWorkers = (): number => Math.min(2, availableParallelism());

const asBytes = (s: FrameSource, data: Uint8Array): FrameSource => ({
  kind: 'bytes',
  data,
  count: frameCount(s),
  width: s.width,
  height: s.height,
});

export class FrameReader {
  private started: TaskPool | null = null;
  private readonly here = new TaskRunner();
  private readonly workers: number;
  readonly cache: FrameCache;
  /** Sources being read whole into the cache: later tasks wait for them rather than read them again. */
  private readonly loading = new Map<FrameSource, Promise<Uint8Array>>();
  private dir: string | null = null;
  private readonly ownsDir: boolean;
  private files = 0;
  private readonly cleanup = (): void => this.removeDir();
  /** Tasks started and finished: what the read-ahead has in flight. */
  readonly counts = { started: 0, finished: 0 };

  constructor(o: ReaderOptions = {}) {
    this.workers = o.workers ?? defaultWorkers();
    this.cache = new FrameCache(o.cacheBytes ?? defaultCacheBytes(totalmem()));
    this.dir = o.dir ?? null;
    this.ownsDir = !o.dir;
  }

  /** The worker pool, started when first needed (a reader that reads nothing starts no thread). */
  get pool(): TaskPool {
    this.started ??= new TaskPool(this.workers);
    return this.started;
  }

  private readonly seen = new WeakSet<object>();

  /**
   * The first time a set is read: when all of its frames fit in what the cache has left, every
   * source is read whole now, many to an ffmpeg process and spread over the workers (the demo's
   * sets are decoded once, up front); else nothing of it is kept, and it streams from its files.
   */
  warm(set: { items: readonly { source: FrameSource }[] }): void {
    if (this.seen.has(set)) return;
    this.seen.add(set);
    const todo = [
      ...new Set(
        set.items
          .map((it) => it.source)
          .filter((s) => s.kind !== 'bytes' && !this.cache.get(s) && !this.loading.has(s)),
      ),
    ];
    if (todo.length === 0 || !this.cache.reserve(todo.reduce((n, s) => n + sourceBytes(s), 0))) return;
    for (let g = 0; g < todo.length; g += GROUP) {
      const group = todo.slice(g, g + GROUP);
      const job = this.pool.runGroup(group.map((source) => ({ source, outputs: [], whole: true })));
      group.forEach((s, k) => {
        const p = job.then(
          (r) => {
            const f = (r[k] as TaskResult).frames as Uint8Array;
            this.cache.put(s, f);
            this.loading.delete(s);
            return f;
          },
          (e: unknown) => {
            this.cache.drop(s);
            this.loading.delete(s);
            throw e;
          },
        );
        p.catch(() => undefined);
        this.loading.set(s, p);
      });
    }
  }

  /** Runs the tasks, filling their outputs; rejects with the first failure (naming the file). */
  async run(tasks: readonly Task[]): Promise<void> {
    const now: Task[] = [];
    const later: Promise<unknown>[] = [];
    for (const t of tasks) {
      const s = t.source;
      const held = this.cache.get(s);
      const pending = this.loading.get(s);
      if (held) now.push({ ...t, source: asBytes(s, held) });
      else if (pending) later.push(pending.then((f) => this.exec([{ ...t, source: asBytes(s, f) }])));
      else now.push(t);
    }
    await Promise.all([this.exec(now), ...later]);
  }

  /** All frames of a source, end to end (from the cache, or read, and kept when there is room). */
  async frames(s: FrameSource): Promise<Uint8Array> {
    return (await this.framesMany([s]))[0] as Uint8Array;
  }

  /** `frames` of several sources, the ones to read read together (their videos share ffmpeg processes). */
  async framesMany(sources: readonly FrameSource[]): Promise<Uint8Array[]> {
    const out: (Uint8Array | Promise<Uint8Array> | null)[] = sources.map(
      (s) => (s.kind === 'bytes' ? s.data : null) ?? this.cache.get(s) ?? this.loading.get(s) ?? null,
    );
    const read = [...new Set(sources.filter((_, k) => out[k] === null))];
    const results = await this.exec(read.map((source) => ({ source, outputs: [], whole: true })));
    const got = new Map(read.map((s, k) => [s, (results[k] as TaskResult).frames as Uint8Array]));
    return Promise.all(out.map((f, k) => f ?? (got.get(sources[k] as FrameSource) as Uint8Array)));
  }

  /** Tasks in groups over the pool, results in task order. */
  private async exec(tasks: readonly Task[]): Promise<TaskResult[]> {
    this.counts.started += tasks.length;
    try {
      // Small work on frames already in memory (the demo's batches) costs less done here than
      // handed to a worker and back; anything that reads files or fills megabytes goes to the pool.
      const floats = tasks.reduce((n, t) => n + t.outputs.reduce((m, o) => m + o.into.length, 0), 0);
      if (floats <= INLINE_FLOATS && tasks.every((t) => t.source.kind === 'bytes' && !t.whole)) {
        const r = settle(await this.here.runGroup(tasks));
        if (r instanceof Error) throw r;
        return r;
      }
      const groups = Array.from({ length: Math.ceil(tasks.length / GROUP) }, (_, g) =>
        tasks.slice(g * GROUP, (g + 1) * GROUP),
      );
      return (await Promise.all(groups.map((g) => this.pool.runGroup(g)))).flat();
    } finally {
      this.counts.finished += tasks.length;
    }
  }

  /**
   * A place for frames veil makes (an anonymized set): each `add` keeps one item's frames in memory
   * while the cache has room, else appends them to the writer's raw file in the reader's folder.
   */
  writer(width: number, height: number): FrameWriter {
    return new FrameWriter(this, width, height);
  }

  /** Gives back what stored sources hold: their room in the cache, their raw files. */
  forget(sources: readonly FrameSource[]): void {
    const files = new Set<string>();
    for (const s of sources) {
      if (s.kind === 'bytes' && this.stored.delete(s)) this.cache.release(s.data.length);
      if (this.cache.get(s)) this.cache.drop(s);
      if (s.kind === 'raw') files.add(s.path);
    }
    for (const f of files) if (this.rawFiles.delete(f)) rmSync(f, { force: true });
  }

  /** Sources `writer` kept in memory, and the raw files it wrote: what `forget` may give back. */
  readonly stored = new Set<FrameSource>();
  readonly rawFiles = new Set<string>();

  /** A new raw file in the reader's folder. */
  newRawFile(): string {
    if (!this.dir) {
      this.dir = mkdtempSync(join(tmpdir(), 'veil-frames-'));
      process.once('exit', this.cleanup);
    }
    const path = join(this.dir, `frames-${process.pid}-${this.files++}.raw`);
    this.rawFiles.add(path);
    return path;
  }

  private removeDir(): void {
    for (const f of this.rawFiles) rmSync(f, { force: true });
    this.rawFiles.clear();
    if (this.ownsDir && this.dir) rmSync(this.dir, { recursive: true, force: true });
    if (this.ownsDir) this.dir = null;
  }

  async close(): Promise<void> {
    await this.started?.close();
    this.removeDir();
    process.removeListener('exit', this.cleanup);
  }
}

/** Frames written for one set (see FrameReader.writer); `close` when the set is complete. */
export class FrameWriter {
  private file: { fd: number; path: string; size: number } | null = null;

  constructor(
    private readonly reader: FrameReader,
    readonly width: number,
    readonly height: number,
  ) {}

  add(frames: readonly Uint8Array[]): FrameSource {
    const { width, height } = this;
    const n = frameSize({ width, height });
    if (this.reader.cache.reserve(frames.length * n)) {
      const s = bytesSource(frames, width, height);
      this.reader.stored.add(s);
      return s;
    }
    if (!this.file) {
      const path = this.reader.newRawFile();
      this.file = { fd: openSync(path, 'w'), path, size: 0 };
    }
    const f = this.file;
    const offset = f.size;
    for (const fr of frames) {
      if (fr.length !== n) throw new Error(`frame writer: a frame is not ${width}x${height} RGB`);
      writeSync(f.fd, fr, 0, n, f.size);
      f.size += n;
    }
    return { kind: 'raw', path: f.path, offset, count: frames.length, width, height };
  }

  close(): void {
    if (this.file) closeSync(this.file.fd);
    this.file = null;
  }
}
