// The work a loader worker does for its share of a batch: read an item's frames (decode a video
// file, all of the share's files with one ffmpeg; read an image; read a raw file; or take bytes in
// shared memory) and augment them with parameters drawn beforehand on the main thread. Pure
// TypeScript and child processes, no libtorch, so it runs in worker threads; outputs are written
// in place into shared Float32Arrays the main thread turns into tensors. Nothing random happens
// here: what a task yields depends on the task alone, never on the thread that runs it or the
// tasks it is grouped with.
import { open } from 'node:fs/promises';

import { type AugmentParams, augmentFrames } from '../augment.js';
import { DataError } from '../errors.js';
import { readImage } from '../image.js';
import { type DecodeRequest, decodeFramesMany } from '../video/batch.js';
import type { Frames } from '../video/decode.js';
import { type FrameSource, frameCount, frameOf, frameSize } from './sources.js';

/** One augmented view of some of a source's frames, written into `into` as (3, T, H, W). */
export interface Output {
  /** Indices into the source's frames, in clip order (repeats allowed). */
  frames: number[];
  params: AugmentParams;
  width: number;
  height: number;
  into: Float32Array;
}

export interface Task {
  source: FrameSource;
  outputs: Output[];
  /** Read every frame of the source and hand them back (the cache keeps them). */
  whole: boolean;
}

/** The source's frames end to end on a SharedArrayBuffer, when the task asked for them whole. */
export interface TaskResult {
  frames: Uint8Array | null;
}

const failed = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** The distinct frame indices a task reads, sorted. */
function needed(t: Task): number[] {
  if (t.whole) return Array.from({ length: frameCount(t.source) }, (_, i) => i);
  return [...new Set(t.outputs.flatMap((o) => o.frames))].sort((a, b) => a - b);
}

async function readRaw(s: Extract<FrameSource, { kind: 'raw' }>, idx: number[]): Promise<Uint8Array[]> {
  const n = frameSize(s);
  const f = await open(s.path, 'r').catch((e: unknown) => {
    throw new DataError(s.path, `cannot open frames file: ${(e as Error).message}`, { cause: e });
  });
  try {
    return await Promise.all(
      idx.map(async (i) => {
        const buf = new Uint8Array(n);
        const { bytesRead } = await f.read(buf, 0, n, s.offset + i * n);
        if (bytesRead !== n)
          throw new DataError(s.path, `frame ${i} is cut short (${bytesRead} of ${n} bytes)`);
        return buf;
      }),
    );
  } finally {
    await f.close();
  }
}

export class TaskRunner {
  async run(task: Task): Promise<TaskResult> {
    const [r] = await this.runGroup([task]);
    if (r instanceof Error) throw r;
    return r as TaskResult;
  }

  /** Results in task order; a failing task gives its error without failing the others. */
  async runGroup(tasks: readonly Task[]): Promise<(TaskResult | Error)[]> {
    const frames = await this.read(tasks);
    return tasks.map((t, k) => {
      const got = frames[k] as Map<number, Uint8Array> | Error;
      if (got instanceof Error) return got;
      try {
        const { width, height } = t.source;
        for (const o of t.outputs) {
          const pick = o.frames.map((i) => got.get(i) as Uint8Array);
          augmentFrames(pick, width, height, o.params, o.width, o.height, o.into);
        }
        if (!t.whole) return { frames: null };
        const n = frameSize(t.source);
        const all = new Uint8Array(new SharedArrayBuffer(frameCount(t.source) * n));
        for (const [i, f] of got) all.set(f, i * n);
        return { frames: all };
      } catch (e) {
        return failed(e);
      }
    });
  }

  /** Each task's frames by index, or its error; the group's video files share one ffmpeg. */
  private async read(tasks: readonly Task[]): Promise<(Map<number, Uint8Array> | Error)[]> {
    const out: (Map<number, Uint8Array> | Error)[] = new Array(tasks.length);
    const videos = tasks.flatMap((t, k) => (t.source.kind === 'video' ? [k] : []));
    const reqs: DecodeRequest[] = videos.map((k) => {
      const t = tasks[k] as Task;
      const s = t.source as Extract<FrameSource, { kind: 'video' }>;
      return {
        file: s.path,
        indices: needed(t).map((i) => s.frames[i] as number),
        opts: { info: s.info, size: { width: s.width, height: s.height } },
      };
    });
    const decoded = decodeFramesMany(reqs).then((r) =>
      r.forEach((f, j) => {
        const k = videos[j] as number;
        out[k] =
          f instanceof DataError
            ? f
            : new Map(needed(tasks[k] as Task).map((i, n) => [i, (f as Frames).frames[n]!]));
      }),
    );
    await Promise.all([
      decoded,
      ...tasks.map(async (t, k) => {
        const s = t.source;
        if (s.kind === 'video') return;
        try {
          const idx = needed(t);
          if (s.kind === 'bytes') out[k] = new Map(idx.map((i) => [i, frameOf(s, i)]));
          else if (s.kind === 'raw') {
            const f = await readRaw(s, idx);
            out[k] = new Map(idx.map((i, n) => [i, f[n] as Uint8Array]));
          } else {
            const img = await readImage(s.path, { size: { width: s.width, height: s.height } });
            out[k] = new Map([[0, img.data]]);
          }
        } catch (e) {
          out[k] = failed(e);
        }
      }),
    ]);
    return out;
  }
}
