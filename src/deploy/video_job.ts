// The inference thread's handle on one video being anonymized: frames arrive from the I/O
// worker as they decode, anonymized frames go back to it, and the output appears (renamed into
// place) once finish() returns. Decoding, inference and encoding thereby run at the same time.
import { Worker } from 'node:worker_threads';

import type { FromWorker, JobSpec, ToWorker } from './io_protocol.js';
import type { Damage, DecodeHead } from './timed_decode.js';

export class VideoJob {
  private readonly frames: Uint8Array[] = [];
  private ended = false;
  private closed: number | null = null;
  private failure: Error | null = null;
  /** Everyone waiting for the next event (start, take, finish and abort may overlap). */
  private waiters: (() => void)[] = [];
  private stopped = false;
  head: DecodeHead = { width: 0, height: 0, timeBase: [1, 1] };
  /** Set once every frame has been decoded: ffmpeg's signs of a damaged or short input. */
  damage: Damage = { count: 0, first: [] };

  private constructor(private readonly worker: Worker) {
    worker.on('message', (m: FromWorker) => this.receive(m));
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', () => {
      this.stopped = true;
      if (this.closed === null) this.fail(new Error('the video I/O worker stopped'));
      this.poke();
    });
  }

  static async start(spec: JobSpec): Promise<VideoJob> {
    const worker = new Worker(new URL('./io_worker.js', import.meta.url));
    const job = new VideoJob(worker);
    job.send({ type: 'start', spec });
    while (job.head.width === 0) {
      if (job.failure) {
        await job.abort();
        throw job.failure;
      }
      await job.nextEvent();
    }
    return job;
  }

  private send(m: ToWorker, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  private receive(m: FromWorker): void {
    if (m.type === 'head') this.head = { width: m.width, height: m.height, timeBase: m.timeBase };
    else if (m.type === 'frame') this.frames.push(new Uint8Array(m.buf));
    else if (m.type === 'end') {
      this.ended = true;
      this.damage = m.damage;
    } else if (m.type === 'closed') this.closed = m.frames;
    else if (m.type === 'error') this.fail(new Error(m.message));
    this.poke();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.poke();
  }

  private poke(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }

  private nextEvent(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }

  /** Up to n decoded frames (rgb24, upright); fewer only at the end, none after it. */
  async take(n: number): Promise<Uint8Array[]> {
    while (this.frames.length < n && !this.ended && !this.failure) await this.nextEvent();
    if (this.failure) throw this.failure;
    return this.frames.splice(0, n);
  }

  /** Hands `count` anonymized RGBA frames (in order, back to back in `rgba`) to the encoder. */
  write(rgba: Uint8Array, count: number): void {
    if (this.failure) throw this.failure;
    const own =
      rgba.byteOffset === 0 && rgba.byteLength === rgba.buffer.byteLength ? rgba : new Uint8Array(rgba);
    this.send({ type: 'out', buf: own.buffer as ArrayBuffer, count }, [own.buffer as ArrayBuffer]);
  }

  /** Waits until the output is complete and in place; returns the frames written. */
  async finish(): Promise<number> {
    this.send({ type: 'finish' });
    while (this.closed === null && !this.failure) await this.nextEvent();
    if (this.failure) throw this.failure;
    await this.worker.terminate();
    return this.closed ?? 0;
  }

  /** Stops both ffmpeg processes and removes the partial output. */
  async abort(): Promise<void> {
    if (!this.stopped) {
      this.send({ type: 'abort' });
      const deadline = Date.now() + 5000;
      while (!this.stopped && Date.now() < deadline) {
        await Promise.race([this.nextEvent(), new Promise((r) => setTimeout(r, 200))]);
      }
      await this.worker.terminate();
    }
  }
}
