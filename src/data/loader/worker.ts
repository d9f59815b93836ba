// A loader worker thread: runs groups of tasks as they come (several groups at once, so that one
// group's ffmpeg start-up overlaps another's augmentation) and hands the buffers back without
// copying them.
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

port.on('message', (m: GroupMessage) => {
  void runner.runGroup(m.tasks).then((results) => {
    const outcomes: Outcome[] = results.map((r) =>
      r instanceof Error
        ? { ok: false, message: r.message, file: r instanceof DataError ? r.file : null }
        : { ok: true, ...r },
    );
    const buffers = results.flatMap((r) =>
      r instanceof Error ? [] : r.data.map((a) => a.buffer as ArrayBuffer),
    );
    port.postMessage({ id: m.id, outcomes } satisfies ReplyMessage, buffers);
  });
});
