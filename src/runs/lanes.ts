// Lanes: the experiment's independent work (backbones, minimax runs, judges) spread over child
// processes, each with its share of the cores. On a 2-core machine two lanes of one libtorch thread
// each do two judges in 0.75 of the time one process with two threads takes to do them one after
// the other (the demo's small 3D convolutions keep a second thread half idle); measured the same on
// two minimax runs. A lane reads the datasets once and keeps them between tasks; its notes,
// progress and scores come back as messages and are drawn here. One lane runs the tasks in this
// process, one at a time, through the same functions (lane_tasks.ts).
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { DataError, UsageError } from '../data/errors.js';
import type { FrameReader } from '../data/loader/index.js';
import { getNumThreads, maxThreads } from '../torch/index.js';
import type { Sets } from './data.js';
import {
  type DataRef,
  laneContext,
  runTask,
  type TaskArgs,
  type TaskIO,
  type TaskName,
  type TaskResult,
} from './lane_tasks.js';
import type { Bar } from './progress.js';

/** Lanes on a device: two on a CPU of two or more cores, one on a GPU (one device, one queue). */
export function defaultLanes(device: string): number {
  return device === 'cpu' ? Math.min(2, maxThreads()) : 1;
}

/** What a lane says while it works on task `id`. */
export type LaneMessage =
  | { type: 'bar'; id: number; bar: number; label: string; total: number }
  | { type: 'tick'; id: number; bar: number; what: string; n: number }
  | { type: 'log'; id: number; s: string }
  | { type: 'record'; id: number; seed: number; s: Parameters<TaskIO['record']>[1] }
  | { type: 'done'; id: number; result: unknown }
  | { type: 'error'; id: number; name: string; message: string; stack: string; file?: string };

export interface TaskMessage {
  type: 'task';
  id: number;
  name: TaskName;
  args: unknown;
}

interface Pending {
  id: number;
  name: TaskName;
  args: unknown;
  io: TaskIO;
  bars: Map<number, Bar>;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

export class Lanes {
  private readonly children: ChildProcess[] = [];
  private readonly busy = new Map<ChildProcess, Pending>();
  private readonly queue: Pending[] = [];
  private nextId = 0;
  private failed: Error | null = null;
  /** One lane: this process's context, and the tail of its one-at-a-time chain. */
  private readonly here: ReturnType<typeof laneContext> | null;
  private chain: Promise<unknown> = Promise.resolve();
  /** libtorch threads of each lane: every core with one lane, else cores / n. */
  readonly threads: number;

  /**
   * `n` lanes; with n > 1 each is a child process with VEIL_THREADS = cores / n. `reader` serves
   * the tasks when n is 1 (the experiment's own).
   */
  constructor(
    readonly n: number,
    reader: FrameReader,
  ) {
    if (!(Number.isInteger(n) && n >= 1))
      throw new UsageError(`--lanes: expected a positive integer, got ${n}`);
    if (n > maxThreads())
      throw new UsageError(`--lanes ${n}: more lanes than this machine's ${maxThreads()} cores`);
    this.here = n === 1 ? laneContext(reader) : null;
    this.threads = n === 1 ? getNumThreads() : Math.max(1, Math.floor(maxThreads() / n));
    if (n === 1) return;
    const threads = String(this.threads);
    const entry = fileURLToPath(new URL('./lane.js', import.meta.url));
    for (let i = 0; i < n; i++) {
      const child = fork(entry, [], {
        env: { ...process.env, VEIL_THREADS: threads },
        serialization: 'advanced',
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      child.on('message', (m: LaneMessage) => this.onMessage(child, m));
      child.on('exit', (code, signal) => this.onExit(child, i, code, signal));
      this.children.push(child);
    }
  }

  /** Runs a task on the next free lane; its progress, notes and scores reach `io`. */
  run<K extends TaskName>(name: K, args: TaskArgs<K>, io: TaskIO): Promise<TaskResult<K>> {
    if (this.here) {
      const ctx = this.here;
      const next = this.chain.then(() => runTask(ctx, name, args, io));
      this.chain = next.catch(() => {});
      return next;
    }
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        name,
        args,
        io,
        bars: new Map(),
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      this.dispatch();
    });
  }

  /** Sets this process has read: the one lane in this process uses them instead of reading them again. */
  provide(ref: DataRef, sets: Sets): void {
    this.here?.provide(ref, sets);
  }

  /** Ends the lanes (after their current task) and frees this process's context. */
  async close(): Promise<void> {
    this.here?.close();
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((done) => {
            if (c.exitCode !== null || c.signalCode !== null) return done();
            c.once('exit', () => done());
            c.disconnect();
          }),
      ),
    );
  }

  private dispatch(): void {
    for (const child of this.children) {
      if (this.busy.has(child) || !child.connected) continue;
      const p = this.queue.shift();
      if (!p) return;
      this.busy.set(child, p);
      child.send({ type: 'task', id: p.id, name: p.name, args: p.args } satisfies TaskMessage);
    }
  }

  private onMessage(child: ChildProcess, m: LaneMessage): void {
    const p = this.busy.get(child);
    if (!p || p.id !== m.id) return;
    switch (m.type) {
      case 'bar':
        p.bars.set(m.bar, p.io.out.bar(m.label, m.total));
        return;
      case 'tick':
        p.bars.get(m.bar)?.tick(m.what, m.n);
        return;
      case 'log':
        p.io.out.log(m.s);
        return;
      case 'record':
        p.io.record(m.seed, m.s);
        return;
      case 'done':
      case 'error':
        this.busy.delete(child);
        for (const b of p.bars.values()) b.finish();
        if (m.type === 'done') p.resolve(m.result);
        else {
          // The kinds the command line answers differently (exit code 2, the file named) keep their class.
          const e =
            m.name === 'UsageError'
              ? new UsageError(m.message)
              : m.name === 'DataError' && m.file
                ? new DataError(m.file, m.message)
                : new Error(m.message);
          e.stack = m.stack;
          p.reject(e);
        }
        this.dispatch();
    }
  }

  /** A lane that dies fails its task and every task still queued: the experiment stops there. */
  private onExit(child: ChildProcess, i: number, code: number | null, signal: NodeJS.Signals | null): void {
    const p = this.busy.get(child);
    this.busy.delete(child);
    if (!p && this.queue.length === 0) return;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    const e = new Error(`lane ${i + 1} of ${this.n} ${how}${p ? ` during its ${p.name} task` : ''}`);
    this.failed ??= e;
    p?.reject(e);
    // The other lanes may still take the queue; with none left, the queue fails too.
    if (this.children.some((c) => c.connected && c !== child)) return this.dispatch();
    for (const q of this.queue.splice(0)) q.reject(e);
  }
}
