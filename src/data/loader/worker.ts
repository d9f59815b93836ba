// A loader worker thread: runs tasks as they come, several at once so that one task's ffmpeg
// start-up overlaps another's augmentation, and hands the buffers back without copying.
import { parentPort } from 'node:worker_threads';

import sharp from 'sharp';

import { DataError } from '../errors.js';
import { type Task, TaskRunner } from './tasks.js';

export interface TaskMessage {
  id: number;
  task: Task;
}

export type ReplyMessage =
  | { id: number; ok: true; data: Float32Array[] }
  | { id: number; ok: false; message: string; file: string | null };

// libvips would otherwise start a thread per core in every worker.
sharp.concurrency(1);
const runner = new TaskRunner();
const port = parentPort;
if (!port) throw new Error('loader worker: must run as a worker thread');

port.on('message', (m: TaskMessage) => {
  runner.run(m.task).then(
    (r) =>
      port.postMessage(
        { id: m.id, ok: true, data: r.data } satisfies ReplyMessage,
        r.data.map((a) => a.buffer as ArrayBuffer),
      ),
    (e: unknown) =>
      port.postMessage({
        id: m.id,
        ok: false,
        message: e instanceof Error ? e.message : String(e),
        file: e instanceof DataError ? e.file : null,
      } satisfies ReplyMessage),
  );
});
