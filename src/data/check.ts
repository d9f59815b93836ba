// Scans a dataset folder the way training would read it, and lists every problem at once:
// broken layouts (lists naming missing files, bad annotations), videos that cannot be read, hold
// no frames or are shorter than their header says, and images that do not decode.
import { extname } from 'node:path';

import { forEachLimit } from './concurrency.js';
import {
  detectLayouts,
  IMAGE_EXTENSIONS,
  type Layout,
  type ProblemSink,
  readHmdb51,
  readManifest,
  readPaHmdb51,
  readUcf101,
  readVideoFolder,
  readVispr,
  type VisprSplit,
} from './datasets/index.js';
import { DataError } from './errors.js';
import { readImage } from './image.js';
import { decodeVideo } from './video/decode.js';
import { probeVideo } from './video/probe.js';

export type ProblemKind = 'layout' | 'unreadable' | 'empty' | 'truncated';

export interface CheckProblem {
  kind: ProblemKind;
  file: string;
  message: string;
}

export interface CheckReport {
  root: string;
  layouts: Layout[];
  videos: number;
  images: number;
  problems: CheckProblem[];
}

export interface CheckOptions {
  /** Decode every frame of every video too (slow; finds damage inside the stream). */
  deep?: boolean;
  concurrency?: number;
  /** Called once the file list is known, then per file checked. */
  onStart?: (files: number) => void;
  onFile?: () => void;
}

async function layoutFiles(
  l: Layout,
  videos: Set<string>,
  images: Set<string>,
  onProblem: ProblemSink,
): Promise<void> {
  const add = (paths: string[], into: Set<string>): void => paths.forEach((p) => into.add(p));
  const subsets = ['train', 'test'] as const;
  const splits = (l.splits ?? []) as number[];
  switch (l.kind) {
    case 'ucf101':
      for (const split of splits as (1 | 2 | 3)[]) {
        for (const subset of subsets)
          add(
            (await readUcf101(l.root, { split, subset, onProblem })).samples.map((s) => s.path),
            videos,
          );
      }
      return;
    case 'hmdb51':
      for (const split of splits as (1 | 2 | 3)[]) {
        for (const subset of subsets)
          add(
            (await readHmdb51(l.root, { split, subset, onProblem })).samples.map((s) => s.path),
            videos,
          );
      }
      return;
    case 'pahmdb51':
      return add(
        (await readPaHmdb51(l.root, { onProblem })).samples.map((s) => s.path),
        videos,
      );
    case 'vispr':
      for (const split of l.splits as VisprSplit[])
        add(
          (await readVispr(l.root, { split, onProblem })).samples.map((s) => s.path),
          images,
        );
      return;
    case 'manifest': {
      const m = await readManifest(l.file as string, { onProblem });
      for (const s of m.samples)
        (IMAGE_EXTENSIONS.includes(extname(s.path).toLowerCase()) ? images : videos).add(s.path);
      return;
    }
    case 'folder':
      return add(
        (await readVideoFolder(l.root, { onProblem })).samples.map((s) => s.path),
        videos,
      );
  }
}

async function checkVideo(file: string, deep: boolean): Promise<CheckProblem | null> {
  try {
    const info = await probeVideo(file, { count: true });
    if (info.countedFrames === 0) return { kind: 'empty', file, message: 'no video frames' };
    if (info.headerFrames !== null && (info.countedFrames ?? 0) < info.headerFrames) {
      return {
        kind: 'truncated',
        file,
        message: `header says ${info.headerFrames} frames, the file holds ${info.countedFrames}`,
      };
    }
    if (deep) {
      for await (const f of decodeVideo(file, {
        info,
        size: { width: 16, height: 16 },
        expectFrames: info.frames,
      }))
        void f;
    }
    return null;
  } catch (e) {
    const message = e instanceof DataError ? e.message.slice(file.length + 2) : String(e);
    return { kind: /expected|truncated/.test(message) ? 'truncated' : 'unreadable', file, message };
  }
}

export async function checkDataset(root: string, o: CheckOptions = {}): Promise<CheckReport> {
  const layouts = await detectLayouts(root);
  const problems: CheckProblem[] = [];
  if (layouts.length === 0) {
    problems.push({
      kind: 'layout',
      file: root,
      message: 'no dataset layout found (UCF101, HMDB51, PA-HMDB51, VISPR, CSV manifest, or class folders)',
    });
  }
  const videos = new Set<string>();
  const images = new Set<string>();
  const seen = new Set<string>();
  const layoutProblem = (p: DataError): void => {
    // The same list line is met once per split that reads it.
    if (seen.has(p.message)) return;
    seen.add(p.message);
    problems.push({ kind: 'layout', file: p.file, message: p.message.slice(p.file.length + 2) });
  };
  for (const l of layouts) {
    try {
      await layoutFiles(l, videos, images, layoutProblem);
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      layoutProblem(e);
    }
  }
  o.onStart?.(videos.size + images.size);
  const found: CheckProblem[] = [];
  await forEachLimit([...videos].sort(), o.concurrency ?? 2, async (v) => {
    const p = await checkVideo(v, o.deep ?? false);
    if (p) found.push(p);
    o.onFile?.();
  });
  await forEachLimit([...images].sort(), o.concurrency ?? 2, async (file) => {
    try {
      await readImage(file, { strict: true });
    } catch (e) {
      found.push({ kind: 'unreadable', file, message: (e as Error).message.slice(file.length + 2) });
    }
    o.onFile?.();
  });
  problems.push(...found.sort((a, b) => (a.file < b.file ? -1 : 1)));
  return { root, layouts, videos: videos.size, images: images.size, problems };
}
