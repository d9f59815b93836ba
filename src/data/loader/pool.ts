// A pool of loader worker threads with a FIFO queue of task groups; with no workers the same
// groups run on the calling thread (for debugging, and to show that results do not depend on
// the threads).
import { Worker } from 'node:worker_threads';

import { DataError } from '../errors.js';
import { type Task, type TaskResult, TaskRunner } from './tasks.js';
import type { GroupMessage, Outcome, ReplyMessage } from './worker.js';

interface Pending {
  id: number;
  tasks: Task[];
  resolve: (r: TaskResult[]) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  running: Map<number, Pending>;
}

/** The group's results, or its first failure as the error to throw. */
export function settle(outcomes: (Outcome | TaskResult | Error)[]): TaskResult[] | Error {
  const out: TaskResult[] = [];
  for (const o of outcomes) {
    if (o instanceof Error) return o;
    if ('ok' in o && !o.ok) return o.file ? new DataError(o.file, o.message) : new Error(o.message);
    out.push({ frames: o.frames });
  }
  return out;
}

export class TaskPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly inline: TaskRunner | null;
  private nextId = 0;
  private closed = false;

  /** `workers` threads, each running up to `perWorker` groups at once; 0 runs them inline. */
  constructor(
    readonly workers: number,
    private readonly perWorker = 2,
  ) {
    if (!(Number.isInteger(workers) && workers >= 0)) throw new Error(`loader: bad worker count ${workers}`);
    this.inline = workers === 0 ? new TaskRunner() : null;
    for (let i = 0; i < workers; i++) {
      const worker = new Worker(new URL('./worker.js', import.meta.url));
      const slot: Slot = { worker, running: new Map() };
      worker.on('message', (m: ReplyMessage) => this.reply(slot, m));
      worker.on('error', (e: unknown) =>
        this.fail(slot, e instanceof Error ? e : new Error(`loader worker failed: ${String(e)}`)),
      );
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(slot, new Error(`loader worker stopped (exit ${code})`));
      });
      // Idle workers must not keep the process alive when a loader is never closed.
      worker.unref();
      this.slots.push(slot);
    }
  }

  /** Runs tasks together (one worker, one ffmpeg for their files); rejects with the first failure. */
  runGroup(tasks: Task[]): Promise<TaskResult[]> {
    if (this.closed) return Promise.reject(new Error('loader: the worker pool is closed'));
    if (this.inline) {
      return this.inline.runGroup(tasks).then((r) => {
        const s = settle(r);
        if (s instanceof Error) throw s;
        return s;
      });
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, tasks, resolve, reject });
      this.pump();
    });
  }

  run(task: Task): Promise<TaskResult> {
    return this.runGroup([task]).then((r) => r[0] as TaskResult);
  }

  private pump(): void {
    // The least busy worker takes the next group.
    for (;;) {
      const slot = [...this.slots].sort((a, b) => a.running.size - b.running.size)[0];
      if (!slot || slot.running.size >= this.perWorker || this.queue.length === 0) return;
      const p = this.queue.shift() as Pending;
      if (slot.running.size === 0) slot.worker.ref();
      slot.running.set(p.id, p);
      slot.worker.postMessage({ id: p.id, tasks: p.tasks } satisfies GroupMessage);
    }
  }

  private reply(slot: Slot, m: ReplyMessage): void {
    const p = slot.running.get(m.id);
    if (!p) return;
    slot.running.delete(m.id);
    if (slot.running.size === 0) slot.worker.unref();
    const s = settle(m.outcomes);
    if (s instanceof Error) p.reject(s);
    else p.resolve(s);
    this.pump();
  }

  private fail(slot: Slot, e: Error): void {
    for (const p of slot.running.values()) p.reject(e);
    slot.running.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    const closed = new Error('loader: closed before the task finished');
    for (const p of this.queue.splice(0)) p.reject(closed);
    await Promise.all(
      this.slots.map((s) => {
        this.fail(s, closed);
        // Held until it has stopped: an unreferenced worker could let the process end first.
        s.worker.ref();
        return s.worker.terminate();
      }),
    );
  }
}
