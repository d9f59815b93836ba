// The work a loader worker does for one item: get the frames (decode a video file, read an image,
// or render SynthPAR in memory), pick the clip, augment. Pure TypeScript and child processes, no
// libtorch, so it runs in worker threads; the results are Float32Arrays the main thread turns
// into tensors. Randomness comes only from the task's key, never from the thread that runs it.
import { augmentFrames, type AugmentConfig, centreCrop, sampleAugment } from '../augment.js';
import { testClips, trainClip } from '../clips.js';
import { readImage } from '../image.js';
import { Rng } from '../rng.js';
import type { Variant } from '../synthpar/catalog.js';
import { synthImage } from '../synthpar/dataset.js';
import { renderClipFrames } from '../synthpar/render.js';
import { sampleScene } from '../synthpar/scene.js';
import { decodeFrames } from '../video/decode.js';
import { probeVideo, type VideoInfo } from '../video/probe.js';

export type VideoSource =
  | { kind: 'file'; path: string; /** Frame count, when known, to skip probing. */ frames?: number }
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

/** One (3, T, H, W) clip per test clip or a single one; one or two (3, H, W) images. */
export interface TaskResult {
  data: Float32Array[];
}

interface Frames {
  width: number;
  height: number;
  byIndex: Map<number, Uint8Array>;
}

export class TaskRunner {
  /** Probes of this thread's videos: each file is probed once per worker. */
  private readonly probes = new Map<string, Promise<VideoInfo>>();

  private probe(path: string): Promise<VideoInfo> {
    let p = this.probes.get(path);
    if (!p) {
      p = probeVideo(path);
      this.probes.set(path, p);
      p.catch(() => this.probes.delete(path));
    }
    return p;
  }

  private async frameCount(s: VideoSource): Promise<number> {
    if (s.kind === 'synthpar') return s.frames;
    return s.frames ?? (await this.probe(s.path)).frames;
  }

  private async frames(s: VideoSource, wanted: number[], shortSide: number): Promise<Frames> {
    const unique = [...new Set(wanted)].sort((a, b) => a - b);
    if (s.kind === 'synthpar') {
      const scene = sampleScene(s.seed, s.variant, s.index);
      const r = renderClipFrames(scene, s.frames, unique, { width: s.width, height: s.height });
      return { width: s.width, height: s.height, byIndex: new Map(unique.map((i, k) => [i, r.frames[k]!])) };
    }
    const info = await this.probe(s.path);
    const d = await decodeFrames(s.path, unique, { info, shortSide, onShort: 'repeat-last' });
    return { width: d.width, height: d.height, byIndex: new Map(unique.map((i, k) => [i, d.frames[k]!])) };
  }

  async run(task: Task): Promise<TaskResult> {
    const rng = new Rng('veil-loader', ...task.key);
    if (task.kind === 'clip') {
      const n = await this.frameCount(task.source);
      const clips = task.train
        ? [trainClip(n, task.frames, task.stride, rng)]
        : testClips(n, task.frames, task.stride, task.testClips);
      const f = await this.frames(task.source, clips.flat(), task.shortSide);
      return {
        data: clips.map((c) => {
          const p = task.train
            ? sampleAugment(rng, f.width, f.height, task.width, task.height, task.augment)
            : centreCrop(f.width, f.height, task.testCrop);
          const frames = c.map((i) => f.byIndex.get(i)!);
          return augmentFrames(frames, f.width, f.height, p, task.width, task.height);
        }),
      };
    }
    const s = task.source;
    const img =
      s.kind === 'synthpar'
        ? synthImage({ seed: s.seed, variant: s.variant, width: s.width, height: s.height }, s.index)
        : await readImage(s.path, { shortSide: task.shortSide });
    const view = (): Float32Array => {
      const p =
        task.mode === 'eval'
          ? centreCrop(img.width, img.height, task.testCrop)
          : sampleAugment(rng, img.width, img.height, task.width, task.height, task.augment);
      return augmentFrames([img.data], img.width, img.height, p, task.width, task.height);
    };
    return { data: task.mode === 'pair' ? [view(), view()] : [view()] };
  }
}
