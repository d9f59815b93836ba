// Datasets held in memory as 8-bit frames, read once through veil's real dataset readers (and
// ffmpeg / sharp). Small enough at demo sizes to keep whole; each epoch then samples clips and
// augments from memory. Person boxes (src/data/boxes.ts) are attached only when given: the
// obfuscation baselines read them, nothing else does.
import { relative, resolve } from 'node:path';

import sharp from 'sharp';

import type { Box, PersonBoxes } from '../data/boxes.js';
import { spacedIndices } from '../data/clips.js';
import { forEachLimit } from '../data/concurrency.js';
import type { ImageDataset, VideoDataset } from '../data/datasets/index.js';
import { readImage } from '../data/image.js';
import { DataError } from '../data/errors.js';
import { decodeFramesMany, type Frames, quickInfo, type VideoInfo } from '../data/video/index.js';

export type { Box };

export interface VideoItem {
  id: string;
  label: number;
  /** Frames as H*W*3 RGB bytes. */
  frames: Uint8Array[];
  /** Every person's box per frame, in pixels of these frames; null when the dataset has none. */
  boxes: Box[][] | null;
}

export interface VideoSet {
  name: string;
  classes: string[];
  width: number;
  height: number;
  items: VideoItem[];
}

export interface ImageItem {
  id: string;
  /** 0/1 per attribute. */
  labels: Uint8Array;
  data: Uint8Array;
  boxes: Box[] | null;
}

export interface ImageSet {
  name: string;
  attributes: string[];
  width: number;
  height: number;
  items: ImageItem[];
}

const scaleBox = (b: Box, sx: number, sy: number): Box => [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];

export interface ReadOptions {
  width: number;
  height: number;
  /** Frames kept per video, evenly spaced over its length (all when it has no more). */
  maxFrames: number;
  /** Every file's person boxes; without them items carry boxes: null. */
  boxes?: PersonBoxes | null;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export { spacedIndices };

export async function readVideoSet(ds: VideoDataset, o: ReadOptions): Promise<VideoSet> {
  const items: VideoItem[] = new Array(ds.samples.length);
  let done = 0;
  // One ffmpeg process decodes a group of files: starting it costs more than a short clip.
  const groups = Array.from({ length: Math.ceil(ds.samples.length / 16) }, (_, g) =>
    ds.samples.slice(g * 16, (g + 1) * 16).map((s, k) => ({ s, i: g * 16 + k })),
  );
  await forEachLimit(groups, o.concurrency ?? 2, async (group) => {
    const infos = await Promise.all(group.map(({ s }) => quickInfo(s.path)));
    const reqs = group.map(({ s }, k) => {
      const info = infos[k] as VideoInfo;
      const indices = spacedIndices(info.frames, o.maxFrames);
      return { file: s.path, indices, opts: { info, size: { width: o.width, height: o.height } } };
    });
    const decoded = await decodeFramesMany(reqs);
    group.forEach(({ s, i }, k) => {
      const f = decoded[k] as Frames | DataError;
      if (f instanceof DataError) throw f;
      const { opts, indices } = reqs[k] as (typeof reqs)[number];
      items[i] = { id: s.id, label: s.label, frames: f.frames, boxes: boxesOf(s.path, opts.info, indices) };
      o.onProgress?.(++done, ds.samples.length);
    });
  });
  return { name: ds.name, classes: ds.classes, width: o.width, height: o.height, items };

  function boxesOf(path: string, info: VideoInfo, idx: number[]): Box[][] | null {
    if (!o.boxes) return null;
    const raw = o.boxes.videos.get(resolve(path));
    if (!raw) throw new DataError(o.boxes.file, `no boxes for video '${relative(o.boxes.root, path)}'`);
    const sx = o.width / info.displayWidth;
    const sy = o.height / info.displayHeight;
    return idx.map((k) => (raw[k] ?? []).map((b) => scaleBox(b, sx, sy)));
  }
}

export async function readImageSet(ds: ImageDataset, o: Omit<ReadOptions, 'maxFrames'>): Promise<ImageSet> {
  const items: ImageItem[] = new Array(ds.samples.length);
  let done = 0;
  await forEachLimit(ds.samples, o.concurrency ?? 4, async (s, i) => {
    const native = await sharp(s.path).metadata();
    const f = await readImage(s.path, { size: { width: o.width, height: o.height } });
    const raw = o.boxes?.images.get(resolve(s.path));
    if (o.boxes && !raw)
      throw new DataError(o.boxes.file, `no boxes for image '${relative(o.boxes.root, s.path)}'`);
    const sx = o.width / (native.width ?? o.width);
    const sy = o.height / (native.height ?? o.height);
    items[i] = {
      id: s.id,
      labels: s.labels,
      data: f.data,
      boxes: raw ? raw.map((b) => scaleBox(b, sx, sy)) : null,
    };
    o.onProgress?.(++done, ds.samples.length);
  });
  return { name: ds.name, attributes: ds.attributes, width: o.width, height: o.height, items };
}

/**
 * Splits off every k-th item as a validation set (a fixed rule, no randomness); videos are counted
 * within their class, so every class with two or more videos is in both parts whatever the list's order.
 */
export function holdOut<S extends VideoSet | ImageSet>(set: S, every: number): { train: S; val: S } {
  const items = set.items as (VideoItem | ImageItem)[];
  const keyOf = (it: VideoItem | ImageItem): number => ('label' in it ? it.label : 0);
  const size = new Map<number, number>();
  for (const it of items) size.set(keyOf(it), (size.get(keyOf(it)) ?? 0) + 1);
  const seen = new Map<number, number>();
  const isVal = items.map((it) => {
    const key = keyOf(it);
    const k = seen.get(key) ?? 0;
    seen.set(key, k + 1);
    // A class smaller than `every` (but with two or more items) still gives its last one.
    const n = size.get(key) as number;
    return k % every === every - 1 || (n < every && n > 1 && k === n - 1);
  });
  return {
    train: { ...set, items: items.filter((_, i) => !isVal[i]) },
    val: { ...set, items: items.filter((_, i) => isVal[i]) },
  };
}
