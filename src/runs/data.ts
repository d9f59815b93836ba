// The experiment's data: SynthPAR written in the official layouts (UCF101, VISPR), and read back
// through the real readers into the in-memory sets the method trains on. Below the rest of the
// pipeline: the experiment, the backbones, the novel protocol and the CLI's commands all read it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { readPersonBoxes } from '../data/boxes.js';
import { readUcf101, readVispr } from '../data/datasets/index.js';
import { UsageError } from '../data/errors.js';
import { SYNTHPAR_VERSION, type Variant, writeSynthPAR } from '../data/synthpar/index.js';
import { holdOut, type ImageSet, readImageSet, readVideoSet, type VideoSet } from '../method/sets.js';

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

/** The person boxes SynthPAR writes beside its tree. */
export const synthparBoxes = (root: string): string => join(root, 'boxes.json');

/**
 * The dataset as the real readers see it: UCF101 split 1 and VISPR. With `boxes` (a person boxes
 * file, src/data/boxes.ts) every video frame and image carries its people's boxes, for the
 * obfuscation baselines; without, none does and nothing asks for them.
 */
export async function readSets(
  root: string,
  d: DataConfig,
  valEvery: number,
  o: { boxes?: string | null; tick?: () => void } = {},
): Promise<Sets> {
  const boxes = o.boxes ? await readPersonBoxes(o.boxes, root) : null;
  const tick = o.tick;
  const size = { width: d.width, height: d.height };
  const videos = async (subset: 'train' | 'test') =>
    readVideoSet(await readUcf101(root, { subset, split: 1 }), {
      ...size,
      maxFrames: d.frames,
      boxes,
      onProgress: tick,
    });
  const attributes = d.variant === 'known' ? 'vispr1' : 'vispr2';
  const images = async (split: 'train' | 'val' | 'test') =>
    readImageSet(await readVispr(join(root, 'vispr'), { split, attributes }), {
      ...size,
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
