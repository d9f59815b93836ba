// Batches of action clips as float32 tensors (B, 3, T, H, W) in [0, 1] with int64 labels (B).
// Training: one random clip per video, augmented. Testing: K evenly spaced centre-cropped clips
// per video, video-major: x is (B*K, 3, T, H, W) and clips k*K..k*K+K-1 belong to video k.
import * as T from '../../torch/index.js';
import { type AugmentConfig, CLIP_AUGMENT } from '../augment.js';
import { BatchLoader, concat, type LoaderOptions } from './batches.js';
import type { VideoInfo } from '../video/probe.js';
import type { ClipTask, TaskResult, VideoSource } from './tasks.js';

export interface ClipItem {
  source: VideoSource;
  label: number;
}

export interface ClipLoaderOptions extends LoaderOptions {
  mode?: 'train' | 'test';
  /** Frames per clip (default 16) and stride (default 2). */
  frames?: number;
  stride?: number;
  /** Output height = width (default 112), or an explicit size. */
  size?: number | { width: number; height: number };
  /** Test clips per video (default 5) and their centre crop (default 0.8). */
  testClips?: number;
  testCrop?: number;
  /** Short side files are decoded at (default: 8/7 of the output, 128 for 112). */
  decodeShortSide?: number;
  augment?: Partial<AugmentConfig>;
}

export interface ClipBatch {
  x: T.Tensor;
  y: T.Tensor;
  /** Item indices of the batch's videos. */
  index: Int32Array;
  /** Clips per video in x (1 in training, K in testing). */
  clips: number;
}

export class ClipLoader extends BatchLoader<ClipItem, ClipBatch> {
  private readonly shape: Omit<ClipTask, 'source' | 'key'>;

  constructor(items: readonly ClipItem[], o: ClipLoaderOptions) {
    const train = (o.mode ?? 'train') === 'train';
    super(items, o, train);
    const size = o.size ?? 112;
    const { width, height } = typeof size === 'number' ? { width: size, height: size } : size;
    this.shape = {
      kind: 'clip',
      train,
      frames: o.frames ?? 16,
      stride: o.stride ?? 2,
      width,
      height,
      testClips: o.testClips ?? 5,
      testCrop: o.testCrop ?? 0.8,
      shortSide: o.decodeShortSide ?? Math.round((Math.max(width, height) * 8) / 7),
      augment: { ...CLIP_AUGMENT, ...o.augment },
    };
  }

  /** Metadata of the files met so far, by item: each file is probed once per run, not per worker. */
  private readonly infos = new Map<number, VideoInfo>();

  protected task(item: ClipItem, key: number[]): ClipTask {
    const info = this.infos.get(key[2] as number);
    return { ...this.shape, source: item.source, key, ...(info ? { info } : {}) };
  }

  protected override remember(item: number, r: TaskResult): void {
    if (r.info) this.infos.set(item, r.info);
  }

  protected assemble(results: TaskResult[], items: ClipItem[], index: Int32Array): ClipBatch {
    const s = this.shape;
    const clips = results[0]?.data.length ?? 1;
    const x = T.tensor(concat(results.flatMap((r) => r.data)), [
      items.length * clips,
      3,
      s.frames,
      s.height,
      s.width,
    ]);
    const y = T.tensor(
      items.map((i) => i.label),
      [items.length],
      { dtype: 'int64' },
    );
    return { x, y, index, clips };
  }
}
