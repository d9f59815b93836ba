// A loader worker thread: runs groups of tasks as they come (several groups at once, so that one
// group's ffmpeg start-up overlaps another's augmentation), writing into the shared buffers the
// tasks name.
import { parentPort } from 'node:worker_threads';

import sharp from 'sharp';

import { DataError } from '../errors.js';
import { type Task, type TaskResult, TaskRunner } from './tasks.js';

export interface GroupMessage {
  id: number;
  tasks: Task[];
}

export type Outcome = ({ ok: true } & TaskResult) | { ok: false; message: string; file: string | null };

export interface ReplyMessage {
  id: number;
  outcomes: Outcome[];
}

// libvips would otherwise start a thread per core in every worker.
sharp.concurrency(1);
const runner = new TaskRunner();
const port = parentPort;
if (!port) throw new Error('loader worker: must run as a worker thread');

const outcome = (r: TaskResult | Error): Outcome =>
  r instanceof Error
    ? { ok: false, message: r.message, file: r instanceof DataError ? r.file : null }
    : { ok: true, ...r };

port.on('message', (m: GroupMessage) => {
  runner
    .runGroup(m.tasks)
    .catch((e: unknown) => m.tasks.map(() => (e instanceof Error ? e : new Error(String(e)))))
    .then((results) => {
      // Outputs went into shared memory: nothing to copy or transfer back.
      port.postMessage({ id: m.id, outcomes: results.map(outcome) } satisfies ReplyMessage);
    })
    .catch((e: unknown) => {
      const message = `loader worker could not reply: ${e instanceof Error ? e.message : String(e)}`;
      port.postMessage({ id: m.id, outcomes: m.tasks.map(() => ({ ok: false, message, file: null })) });
    });
});
