// Datasets as the loader streams them. An item names where its frames are (frames of a video file,
// an image file, frames written to a raw file, or bytes in memory), never holds decoded frames of
// its own: reading a set lists and probes its files, and the frames are decoded when a batch needs
// them (src/data/loader/reader.ts, with a bounded cache). Every frame of a set has the set's size.
// Person boxes (src/data/boxes.ts) are attached only when given: the obfuscation baselines read
// them, nothing else does; they are small and stay in memory.
import { relative, resolve } from 'node:path';

import sharp from 'sharp';

import type { Box, PersonBoxes } from '../boxes.js';
import { spacedIndices } from '../clips.js';
import { forEachLimit } from '../concurrency.js';
import type { ImageDataset, VideoDataset } from '../datasets/types.js';
import { DataError } from '../errors.js';
import { quickInfo } from '../video/avi.js';
import type { VideoInfo } from '../video/probe.js';
import type { FrameReader } from './reader.js';
import { bytesSource, type FrameSource, frameCount, frameSize } from './sources.js';

export type { Box };

export interface VideoItem {
  id: string;
  label: number;
  source: FrameSource;
  /** Every person's box per frame, in pixels of the set's frames; null when the dataset has none. */
  boxes: Box[][] | null;
}

export interface VideoSet {
  name: string;
  /** How its frames are read (the command's one reader: workers, cache). */
  reader: FrameReader;
  classes: string[];
  width: number;
  height: number;
  items: VideoItem[];
}

export interface ImageItem {
  id: string;
  /** 0/1 per attribute. */
  labels: Uint8Array;
  /** The image is frame `frame` of `source` (0 for an image file; a video frame in f_A's identity pool). */
  source: FrameSource;
  frame: number;
  boxes: Box[] | null;
}

export interface ImageSet {
  name: string;
  reader: FrameReader;
  attributes: string[];
  width: number;
  height: number;
  items: ImageItem[];
}

/** A video set of frames in memory (rendered, not read from files). */
export function memoryVideoSet(
  s: Omit<VideoSet, 'items'>,
  items: { id: string; label: number; frames: readonly Uint8Array[]; boxes: Box[][] | null }[],
): VideoSet {
  return {
    ...s,
    items: items.map((v) => ({
      id: v.id,
      label: v.label,
      boxes: v.boxes,
      source: bytesSource(v.frames, s.width, s.height),
    })),
  };
}

/** An image set of images in memory. */
export function memoryImageSet(
  s: Omit<ImageSet, 'items'>,
  items: { id: string; labels: Uint8Array; data: Uint8Array; boxes: Box[] | null }[],
): ImageSet {
  return {
    ...s,
    items: items.map((im) => ({
      id: im.id,
      labels: im.labels,
      boxes: im.boxes,
      source: bytesSource([im.data], s.width, s.height),
      frame: 0,
    })),
  };
}

const scaleBox = (b: Box, sx: number, sy: number): Box => [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];

export interface ReadOptions {
  reader: FrameReader;
  width: number;
  height: number;
  /** Frames kept per video, evenly spaced over its length (all when it has no more). */
  maxFrames: number;
  /** Every file's person boxes; without them items carry boxes: null. */
  boxes?: PersonBoxes | null;
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

/** The videos' items: each file's header read (frame count, size), nothing decoded. */
export async function readVideoSet(ds: VideoDataset, o: ReadOptions): Promise<VideoSet> {
  const items: VideoItem[] = new Array(ds.samples.length);
  let done = 0;
  await forEachLimit(ds.samples, o.concurrency ?? 8, async (s, i) => {
    const info = await quickInfo(s.path);
    const frames = spacedIndices(info.frames, o.maxFrames);
    items[i] = {
      id: s.id,
      label: s.label,
      source: { kind: 'video', path: s.path, frames, info, width: o.width, height: o.height },
      boxes: boxesOf(s.path, info, frames),
    };
    o.onProgress?.(++done, ds.samples.length);
  });
  return { name: ds.name, reader: o.reader, classes: ds.classes, width: o.width, height: o.height, items };

  function boxesOf(path: string, info: VideoInfo, idx: number[]): Box[][] | null {
    if (!o.boxes) return null;
    const raw = o.boxes.videos.get(resolve(path));
    if (!raw) throw new DataError(o.boxes.file, `no boxes for video '${relative(o.boxes.root, path)}'`);
    const sx = o.width / info.displayWidth;
    const sy = o.height / info.displayHeight;
    return idx.map((k) => (raw[k] ?? []).map((b) => scaleBox(b, sx, sy)));
  }
}

/**
 * The images' items: nothing read, except each file's size where boxes must be scaled to the set's.
 * A sample that is a frame of a video (`frame`: PA-HMDB51, VP-*) becomes that frame of one source
 * per video, which holds all of the video's sampled frames: they are decoded together.
 */
export async function readImageSet(ds: ImageDataset, o: Omit<ReadOptions, 'maxFrames'>): Promise<ImageSet> {
  const items: ImageItem[] = new Array(ds.samples.length);
  let done = 0;
  const videos = new Map<string, number[]>();
  ds.samples.forEach((s, i) => {
    if (s.frame !== undefined) videos.set(s.path, [...(videos.get(s.path) ?? []), i]);
  });
  await forEachLimit([...videos], o.concurrency ?? 8, async ([path, idx]) => {
    const info = await quickInfo(path);
    const frames = [...new Set(idx.map((i) => ds.samples[i]?.frame as number))].sort((a, b) => a - b);
    const source: FrameSource = { kind: 'video', path, frames, info, width: o.width, height: o.height };
    for (const i of idx) {
      const s = ds.samples[i] as ImageDataset['samples'][number];
      items[i] = {
        id: s.id,
        labels: s.labels,
        source,
        frame: frames.indexOf(s.frame as number),
        boxes: null,
      };
      o.onProgress?.(++done, ds.samples.length);
    }
  });
  await forEachLimit(ds.samples, o.concurrency ?? 4, async (s, i) => {
    if (s.frame !== undefined) return;
    let boxes: Box[] | null = null;
    if (o.boxes) {
      const raw = o.boxes.images.get(resolve(s.path));
      if (!raw) throw new DataError(o.boxes.file, `no boxes for image '${relative(o.boxes.root, s.path)}'`);
      const native = await sharp(s.path)
        .metadata()
        .catch((e: unknown) => {
          throw new DataError(s.path, `cannot read image: ${(e as Error).message}`, { cause: e });
        });
      const sx = o.width / (native.width ?? o.width);
      const sy = o.height / (native.height ?? o.height);
      boxes = raw.map((b) => scaleBox(b, sx, sy));
    }
    items[i] = {
      id: s.id,
      labels: s.labels,
      source: { kind: 'image', path: s.path, width: o.width, height: o.height },
      frame: 0,
      boxes,
    };
    o.onProgress?.(++done, ds.samples.length);
  });
  return {
    name: ds.name,
    reader: o.reader,
    attributes: ds.attributes,
    width: o.width,
    height: o.height,
    items,
  };
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

/** Every frame of each of the first `n` videos of a set, copied (a report's frame grid). */
export async function firstVideos(set: VideoSet, n: number): Promise<Uint8Array[][]> {
  const size = frameSize(set);
  const part = set.items.slice(0, n);
  const all = await set.reader.framesMany(part.map((v) => v.source));
  return part.map((v, i) =>
    Array.from({ length: frameCount(v.source) }, (_, k) =>
      (all[i] as Uint8Array).slice(k * size, (k + 1) * size),
    ),
  );
}

/** The middle frame of each of the first `n` videos of a set, copied (a report's frame grid). */
export async function middleFrames(set: VideoSet, n: number): Promise<Uint8Array[]> {
  return (await firstVideos(set, n)).map((f) => f[Math.floor(f.length / 2)] as Uint8Array);
}
