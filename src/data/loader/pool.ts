// A pool of loader worker threads with a FIFO queue; with no workers the same tasks run on the
// calling thread (for debugging, and to show that the results do not depend on the threads).
import { Worker } from 'node:worker_threads';

import { DataError } from '../errors.js';
import { type Task, type TaskResult, TaskRunner } from './tasks.js';
import type { ReplyMessage, TaskMessage } from './worker.js';

interface Pending {
  id: number;
  task: Task;
  resolve: (r: TaskResult) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  running: Map<number, Pending>;
}

export class TaskPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private readonly inline: TaskRunner | null;
  private nextId = 0;
  private closed = false;

  /** `workers` threads, each running up to `perWorker` tasks at once; 0 runs tasks inline. */
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
      worker.on('error', (e) => this.fail(slot, e));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(slot, new Error(`loader worker stopped (exit ${code})`));
      });
      // Idle workers must not keep the process alive when a loader is never closed.
      worker.unref();
      this.slots.push(slot);
    }
  }

  run(task: Task): Promise<TaskResult> {
    if (this.closed) return Promise.reject(new Error('loader: the worker pool is closed'));
    if (this.inline) return this.inline.run(task);
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const slot of this.slots) {
      while (slot.running.size < this.perWorker && this.queue.length > 0) {
        const p = this.queue.shift() as Pending;
        if (slot.running.size === 0) slot.worker.ref();
        slot.running.set(p.id, p);
        slot.worker.postMessage({ id: p.id, task: p.task } satisfies TaskMessage);
      }
    }
  }

  private reply(slot: Slot, m: ReplyMessage): void {
    const p = slot.running.get(m.id);
    if (!p) return;
    slot.running.delete(m.id);
    if (slot.running.size === 0) slot.worker.unref();
    if (m.ok) p.resolve({ data: m.data });
    else p.reject(m.file ? new DataError(m.file, m.message) : new Error(m.message));
    this.pump();
  }

  private fail(slot: Slot, e: Error): void {
    for (const p of slot.running.values()) p.reject(e);
    slot.running.clear();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new Error('loader: closed before the task ran'));
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
