// The experiment's data: SynthPAR written in the official layouts (UCF101, VISPR), and read back
// through the real readers into the sets the method trains on (the loader streams them). Below the
// rest of the pipeline: the experiment, the backbones, the novel protocol and the CLI's commands
// all read it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { readPersonBoxes } from '../data/boxes.js';
import { readHmdb51, readUcf101, readVispr } from '../data/datasets/index.js';
import { UsageError } from '../data/errors.js';
import { SYNTHPAR_VERSION, type Variant, writeSynthPAR } from '../data/synthpar/index.js';
import {
  type FrameReader,
  holdOut,
  type ImageSet,
  readImageSet,
  readVideoSet,
  type VideoSet,
} from '../data/loader/index.js';

export interface DataConfig {
  variant: Variant;
  clips: number;
  images: number;
  width: number;
  height: number;
  frames: number;
  seed: number;
}

export interface Sets {
  trainVideos: VideoSet;
  valVideos: VideoSet;
  testVideos: VideoSet;
  trainImages: ImageSet;
  valImages: ImageSet;
  testImages: ImageSet;
}

/** Writes SynthPAR unless the same one is already there (its synthpar.json matches). */
export async function ensureSynthPAR(
  root: string,
  d: DataConfig,
  onProgress?: (n: number, t: number) => void,
) {
  const meta = join(root, 'synthpar.json');
  if (existsSync(meta)) {
    const m = JSON.parse(readFileSync(meta, 'utf8')) as Record<string, unknown>;
    const same =
      m.version === SYNTHPAR_VERSION &&
      (['variant', 'clips', 'images', 'width', 'height', 'frames', 'seed'] as const).every(
        (k) => m[k] === d[k],
      );
    if (same) return;
    throw new UsageError(
      `${root}: holds another experiment's SynthPAR (${meta} differs: \`veil demo --quick\` and \`veil demo\` draw different sizes); give this one its own --workspace`,
    );
  }
  await writeSynthPAR({ out: root, layout: 'ucf101', ...d, onProgress });
}

/**
 * Where the sets come from: an action tree (UCF101 or HMDB51, one of its three splits) and a
 * VISPR tree; with `boxes`, a person boxes file (src/data/boxes.ts) for the obfuscation baselines.
 */
export interface DataSource {
  action: string;
  format: 'ucf101' | 'hmdb51';
  split: 1 | 2 | 3;
  privacy: string;
  boxes: string | null;
}

/** SynthPAR's tree: UCF101 at its root, VISPR in vispr/, the person boxes in boxes.json. */
export const synthparSource = (root: string): DataSource => ({
  action: root,
  format: 'ucf101',
  split: 1,
  privacy: join(root, 'vispr'),
  boxes: join(root, 'boxes.json'),
});

/**
 * The dataset as the real readers see it, streamed through `reader`. Every video frame and image
 * carries its people's boxes when `src.boxes` names a file; without one none does, and nothing else
 * asks for them.
 */
export async function readSets(
  src: DataSource,
  d: DataConfig,
  valEvery: number,
  reader: FrameReader,
  tick?: () => void,
): Promise<Sets> {
  const boxes = src.boxes ? await readPersonBoxes(src.boxes) : null;
  const size = { width: d.width, height: d.height };
  const read = src.format === 'hmdb51' ? readHmdb51 : readUcf101;
  const videos = async (subset: 'train' | 'test') =>
    readVideoSet(await read(src.action, { subset, split: src.split }), {
      ...size,
      reader,
      maxFrames: d.frames,
      boxes,
      onProgress: tick,
    });
  const attributes = d.variant === 'known' ? 'vispr1' : 'vispr2';
  const images = async (split: 'train' | 'val' | 'test') =>
    readImageSet(await readVispr(src.privacy, { split, attributes }), {
      ...size,
      reader,
      boxes,
      onProgress: tick,
    });
  const { train, val } = holdOut(await videos('train'), valEvery);
  return {
    trainVideos: train,
    valVideos: val,
    testVideos: await videos('test'),
    trainImages: await images('train'),
    valImages: await images('val'),
    testImages: await images('test'),
  };
}
