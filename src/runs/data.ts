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
  readImageSet,
  readVideoSet,
  type VideoSet,
} from '../data/loader/index.js';
import { type PrivacyFormat, type PrivacySets, readVideoPrivacy } from './privacy_data.js';

export type { PrivacyFormat };

export interface DataConfig {
  variant: Variant;
  clips: number;
  images: number;
  width: number;
  height: number;
  frames: number;
  seed: number;
}

export interface Sets extends PrivacySets {
  trainVideos: VideoSet;
  valVideos: VideoSet;
  testVideos: VideoSet;
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
 * privacy source: a VISPR tree (its attributes: VISPR-1, VISPR-2 or a list of ids), a PA-HMDB51
 * tree, or a VP-UCF101 / VP-HMDB51 CSV labelling the action tree's own videos; with `boxes`, a
 * person boxes file (src/data/boxes.ts) for the obfuscation baselines.
 */
export interface DataSource {
  action: string;
  format: 'ucf101' | 'hmdb51';
  split: 1 | 2 | 3;
  privacy: string;
  privacyFormat: PrivacyFormat;
  /** VISPR's attributes; default from the DataConfig's variant (known: VISPR-1, novel: VISPR-2). */
  attributes?: 'vispr1' | 'vispr2' | string[];
  boxes: string | null;
}

/** SynthPAR's tree: UCF101 at its root, VISPR in vispr/, the person boxes in boxes.json. */
export const synthparSource = (root: string): DataSource => ({
  action: root,
  format: 'ucf101',
  split: 1,
  privacy: join(root, 'vispr'),
  privacyFormat: 'vispr',
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
  const actionTrain = await read(src.action, { subset: 'train', split: src.split });
  const actionTest = await read(src.action, { subset: 'test', split: src.split });
  const videos = (ds: typeof actionTrain) =>
    readVideoSet(ds, { ...size, reader, maxFrames: d.frames, boxes, onProgress: tick });
  const { train, val } = holdOut(await videos(actionTrain), valEvery);
  const testVideos = await videos(actionTest);
  let privacy: PrivacySets;
  if (src.privacyFormat !== 'vispr') {
    privacy = await readVideoPrivacy(
      src,
      { ...size, reader },
      { train: actionTrain, test: actionTest },
      { train, val, test: testVideos },
      valEvery,
      tick,
    );
  } else {
    const attributes = src.attributes ?? (d.variant === 'known' ? 'vispr1' : 'vispr2');
    const images = async (split: 'train' | 'val' | 'test') =>
      readImageSet(await readVispr(src.privacy, { split, attributes }), {
        ...size,
        reader,
        boxes,
        onProgress: tick,
      });
    privacy = {
      trainImages: await images('train'),
      valImages: await images('val'),
      testImages: await images('test'),
    };
  }
  return { trainVideos: train, valVideos: val, testVideos, ...privacy };
}
