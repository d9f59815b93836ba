// Privacy images cut from videos: PA-HMDB51 labels frames and VP-UCF101 / VP-HMDB51 label whole
// videos, but f_B, its pre-training and the image attacker take images. A few evenly spaced
// frames of each video become image samples (the video's path and the frame's index), each with
// the labels that hold at that frame.
import { spacedIndices } from '../clips.js';
import { forEachLimit } from '../concurrency.js';
import { quickInfo } from '../video/index.js';
import type { ImageDataset, ImageSample } from './types.js';

export interface LabelledVideo {
  path: string;
  id: string;
  /** 0/1 per attribute at a frame. */
  labelsAt: (frame: number) => Uint8Array;
}

/** `perVideo` frames of each video as image samples, in the videos' order (ids `<video id>#<frame>`). */
export async function videoFrameImages(
  name: string,
  root: string,
  attributes: string[],
  videos: readonly LabelledVideo[],
  perVideo: number,
): Promise<ImageDataset> {
  const counts = new Array<number>(videos.length);
  await forEachLimit(videos, 8, async (v, i) => {
    counts[i] = (await quickInfo(v.path)).frames;
  });
  const samples: ImageSample[] = videos.flatMap((v, i) =>
    spacedIndices(counts[i] as number, perVideo).map((frame) => ({
      path: v.path,
      id: `${v.id}#${frame}`,
      frame,
      labels: v.labelsAt(frame),
    })),
  );
  return { name, root, attributes, samples };
}
