// Privacy images that are video frames (PA-HMDB51, VP-*: src/data/datasets/frames.ts) read into
// an in-memory image set like readImageSet's: each video decoded once, by the same ffmpeg batches
// as readVideoSet, for all of its sampled frames.
import { forEachLimit } from '../data/concurrency.js';
import type { ImageDataset } from '../data/datasets/index.js';
import { DataError } from '../data/errors.js';
import { decodeFramesMany, type Frames, quickInfo } from '../data/video/index.js';
import type { ImageItem, ImageSet, ReadOptions } from './sets.js';

export async function readFrameImageSet(
  ds: ImageDataset,
  o: Pick<ReadOptions, 'width' | 'height' | 'concurrency' | 'onProgress'>,
): Promise<ImageSet> {
  // The samples of each video, in order; every sample must be a frame.
  const byVideo = new Map<string, number[]>();
  ds.samples.forEach((s, i) => {
    if (s.frame === undefined) throw new DataError(s.path, 'expected a video frame sample (frame index)');
    byVideo.set(s.path, [...(byVideo.get(s.path) ?? []), i]);
  });
  const videos = [...byVideo.entries()];
  const items: ImageItem[] = new Array(ds.samples.length);
  let done = 0;
  const groups = Array.from({ length: Math.ceil(videos.length / 16) }, (_, g) =>
    videos.slice(g * 16, (g + 1) * 16),
  );
  await forEachLimit(groups, o.concurrency ?? 2, async (group) => {
    const infos = await Promise.all(group.map(([path]) => quickInfo(path)));
    const reqs = group.map(([path, idx], k) => ({
      file: path,
      indices: idx.map((i) => ds.samples[i]?.frame as number),
      opts: { info: infos[k]!, size: { width: o.width, height: o.height } },
    }));
    const decoded = await decodeFramesMany(reqs);
    group.forEach(([, idx], k) => {
      const f = decoded[k] as Frames | DataError;
      if (f instanceof DataError) throw f;
      idx.forEach((i, j) => {
        const s = ds.samples[i]!;
        items[i] = { id: s.id, labels: s.labels, data: f.frames[j] as Uint8Array, boxes: null };
        o.onProgress?.(++done, ds.samples.length);
      });
    });
  });
  return { name: ds.name, attributes: ds.attributes, width: o.width, height: o.height, items };
}
