// The work a loader worker does for its share of a batch: get the frames (decode video files,
// all of the share's files with one ffmpeg; read images; or render SynthPAR in memory), pick the
// clips, augment. Pure TypeScript and child processes, no libtorch, so it runs in worker threads;
// the results are Float32Arrays the main thread turns into tensors. Randomness comes only from
// each task's key, never from the thread that runs it or the tasks it is grouped with.
import { augmentFrames, type AugmentConfig, centreCrop, sampleAugment } from '../augment.js';
import { testClips, trainClip } from '../clips.js';
import { DataError } from '../errors.js';
import { readImage } from '../image.js';
import { Rng } from '../rng.js';
import type { Variant } from '../synthpar/catalog.js';
import { synthImage } from '../synthpar/dataset.js';
import { renderClipFrames } from '../synthpar/render.js';
import { sampleScene } from '../synthpar/scene.js';
import { type DecodeRequest, decodeFramesMany } from '../video/batch.js';
import type { Frames } from '../video/decode.js';
import { quickInfo } from '../video/avi.js';
import type { VideoInfo } from '../video/probe.js';

export type VideoSource =
  | { kind: 'file'; path: string }
  | {
      kind: 'synthpar';
      seed: number;
      variant: Variant;
      index: number;
      width: number;
      height: number;
      frames: number;
    };

export type ImageSource =
  | { kind: 'file'; path: string }
  | { kind: 'synthpar'; seed: number; variant: Variant; index: number; width: number; height: number };

export interface ClipTask {
  kind: 'clip';
  source: VideoSource;
  /** The file's metadata when the loader already has it (it caches what workers send back). */
  info?: VideoInfo;
  /** Key of the task's random stream: (seed, epoch, item). */
  key: number[];
  train: boolean;
  frames: number;
  stride: number;
  width: number;
  height: number;
  testClips: number;
  testCrop: number;
  /** Files are scaled on decode so that their short side has this many pixels. */
  shortSide: number;
  augment: AugmentConfig;
}

export interface ImageTask {
  kind: 'image';
  source: ImageSource;
  key: number[];
  /** Two augmented views (NT-Xent), one augmented view, or a centre crop. */
  mode: 'pair' | 'train' | 'eval';
  width: number;
  height: number;
  testCrop: number;
  shortSide: number;
  augment: AugmentConfig;
}

export type Task = ClipTask | ImageTask;

/** One (3, T, H, W) array per clip, or one or two (3, H, W) images; a video file's metadata. */
export interface TaskResult {
  data: Float32Array[];
  info?: VideoInfo;
}

const failed = (e: unknown): Error => (e instanceof Error ? e : new Error(String(e)));

/** Outputs per task and the length of each. */
function outputs(t: Task): { count: number; size: number } {
  if (t.kind === 'clip') return { count: t.train ? 1 : t.testClips, size: 3 * t.frames * t.height * t.width };
  return { count: t.mode === 'pair' ? 2 : 1, size: 3 * t.height * t.width };
}

/** Each task's output arrays, as views of one buffer in the order runGroup documents. */
function layout(tasks: readonly Task[]): Float32Array[][] {
  const shapes = tasks.map(outputs);
  const upTo = (n: number): number[] => Array.from({ length: n }, (_, k) => k);
  const most = Math.max(0, ...shapes.map((s) => s.count));
  const order: [number, number][] = [
    ...tasks.flatMap((t, i) =>
      t.kind === 'clip' ? upTo(shapes[i]!.count).map((k) => [i, k] as [number, number]) : [],
    ),
    ...upTo(most).flatMap((k) =>
      tasks.flatMap((t, i) =>
        t.kind === 'image' && k < shapes[i]!.count ? [[i, k] as [number, number]] : [],
      ),
    ),
  ];
  const buffer = new Float32Array(shapes.reduce((n, s) => n + s.count * s.size, 0));
  const slots: Float32Array[][] = tasks.map(() => []);
  let at = 0;
  for (const [i, k] of order) slots[i]![k] = buffer.subarray(at, (at += shapes[i]!.size));
  return slots;
}

export class TaskRunner {
  /** Probes of the files this thread has met. */
  private readonly probes = new Map<string, Promise<VideoInfo>>();

  private probe(path: string): Promise<VideoInfo> {
    let p = this.probes.get(path);
    if (!p) {
      p = quickInfo(path);
      this.probes.set(path, p);
      p.catch(() => this.probes.delete(path));
    }
    return p;
  }

  async run(task: Task): Promise<TaskResult> {
    const [r] = await this.runGroup([task]);
    if (r instanceof Error) throw r;
    return r as TaskResult;
  }

  /**
   * Results in task order; a failing task gives its error without failing the others. All
   * outputs share one buffer (transferred once), laid out so that a batch's tensor is a view of
   * it: clips task after task (video-major), image views view after view (all first views, then
   * all second views).
   */
  async runGroup(tasks: readonly Task[]): Promise<(TaskResult | Error)[]> {
    const slots = layout(tasks);
    const out: (TaskResult | Error)[] = new Array(tasks.length);
    const clips = tasks
      .map((t, i) => [t, i] as const)
      .filter((x): x is [ClipTask, number] => x[0].kind === 'clip');
    const images = tasks
      .map((t, i) => [t, i] as const)
      .filter((x): x is [ImageTask, number] => x[0].kind === 'image');
    await Promise.all([
      this.clips(clips, slots, out),
      ...images.map(([t, i]) =>
        this.image(t, slots[i] as Float32Array[]).then(
          (r) => (out[i] = r),
          (e) => (out[i] = failed(e)),
        ),
      ),
    ]);
    return out;
  }

  private async clips(
    tasks: [ClipTask, number][],
    slots: Float32Array[][],
    out: (TaskResult | Error)[],
  ): Promise<void> {
    const plans: { task: ClipTask; slot: number; info?: VideoInfo; clips: number[][]; rng: Rng }[] = [];
    await Promise.all(
      tasks.map(async ([task, slot]) => {
        try {
          const s = task.source;
          const info = s.kind === 'file' ? (task.info ?? (await this.probe(s.path))) : undefined;
          const n = s.kind === 'file' ? (info as VideoInfo).frames : s.frames;
          const rng = new Rng('veil-loader', ...task.key);
          const clips = task.train
            ? [trainClip(n, task.frames, task.stride, rng)]
            : testClips(n, task.frames, task.stride, task.testClips);
          plans.push({ task, slot, info, clips, rng });
        } catch (e) {
          out[slot] = failed(e);
        }
      }),
    );
    plans.sort((a, b) => a.slot - b.slot);
    const files = plans.filter((p) => p.task.source.kind === 'file');
    const reqs: DecodeRequest[] = files.map((p) => ({
      file: (p.task.source as { path: string }).path,
      indices: p.clips.flat(),
      opts: { info: p.info as VideoInfo, shortSide: p.task.shortSide, onShort: 'repeat-last' },
    }));
    const decoded = await decodeFramesMany(reqs);
    const frames = new Map<number, Frames | DataError>(
      files.map((p, k) => [p.slot, decoded[k] as Frames | DataError]),
    );
    for (const p of plans) {
      try {
        let f = frames.get(p.slot);
        if (f instanceof DataError) throw f;
        if (!f) {
          const s = p.task.source as Extract<VideoSource, { kind: 'synthpar' }>;
          const r = renderClipFrames(sampleScene(s.seed, s.variant, s.index), s.frames, p.clips.flat(), {
            width: s.width,
            height: s.height,
          });
          f = { width: s.width, height: s.height, frames: r.frames };
        }
        const t = p.task;
        let at = 0;
        const data = p.clips.map((c, k) => {
          const params = t.train
            ? sampleAugment(p.rng, f.width, f.height, t.width, t.height, t.augment)
            : centreCrop(f.width, f.height, t.testCrop);
          const clip = f.frames.slice(at, (at += c.length));
          return augmentFrames(clip, f.width, f.height, params, t.width, t.height, slots[p.slot]?.[k]);
        });
        out[p.slot] = p.info ? { data, info: p.info } : { data };
      } catch (e) {
        out[p.slot] = failed(e);
      }
    }
  }

  private async image(task: ImageTask, slots: Float32Array[]): Promise<TaskResult> {
    const rng = new Rng('veil-loader', ...task.key);
    const s = task.source;
    const img =
      s.kind === 'synthpar'
        ? synthImage({ seed: s.seed, variant: s.variant, width: s.width, height: s.height }, s.index)
        : await readImage(s.path, { shortSide: task.shortSide });
    const view = (k: number): Float32Array => {
      const p =
        task.mode === 'eval'
          ? centreCrop(img.width, img.height, task.testCrop)
          : sampleAugment(rng, img.width, img.height, task.width, task.height, task.augment);
      return augmentFrames([img.data], img.width, img.height, p, task.width, task.height, slots[k]);
    };
    return { data: task.mode === 'pair' ? [view(0), view(1)] : [view(0)] };
  }
}
