// The experiment's data: SynthPAR written in the official layouts (UCF101, VISPR), and read back
// through the real readers into the in-memory sets the method trains on. Below the rest of the
// pipeline: the experiment, the backbones, the novel protocol and the CLI's commands all read it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { readPersonBoxes } from '../data/boxes.js';
import {
  hmdbDirs,
  type ImageDataset,
  PA_ATTRIBUTES,
  paHmdbSubsets,
  paPresence,
  readHmdb51,
  readPaHmdb51,
  readUcf101,
  readVispr,
  readVpLabels,
  videoFrameImages,
  VP_ATTRIBUTES,
  vpKey,
  withVpLabels,
} from '../data/datasets/index.js';
import { UsageError } from '../data/errors.js';
import { SYNTHPAR_VERSION, type Variant, writeSynthPAR } from '../data/synthpar/index.js';
import { readFrameImageSet } from '../method/frame_sets.js';
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
  /**
   * VP-UCF101 / VP-HMDB51: every action video's privacy labels (by VideoItem id), for the
   * video-level attacker; the image sets are then frames of those videos.
   */
  videoAttributes?: { attributes: string[]; of: (videoId: string) => Uint8Array };
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

export type PrivacyFormat = 'vispr' | 'pahmdb51' | 'vp';

/** Frames cut from each privacy video of PA-HMDB51 and VP-* (evenly spaced) as privacy images. */
export const FRAMES_PER_PRIVACY_VIDEO = 4;

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
 * The dataset as the real readers see it. Every video frame and image carries its people's
 * boxes when `src.boxes` names a file; without one none does, and nothing else asks for them.
 */
export async function readSets(
  src: DataSource,
  d: DataConfig,
  valEvery: number,
  tick?: () => void,
): Promise<Sets> {
  const boxes = src.boxes ? await readPersonBoxes(src.boxes) : null;
  const size = { width: d.width, height: d.height };
  const read = src.format === 'hmdb51' ? readHmdb51 : readUcf101;
  const actionTrain = await read(src.action, { subset: 'train', split: src.split });
  const actionTest = await read(src.action, { subset: 'test', split: src.split });
  const videos = (ds: typeof actionTrain) =>
    readVideoSet(ds, { ...size, maxFrames: d.frames, boxes, onProgress: tick });
  const { train, val } = holdOut(await videos(actionTrain), valEvery);
  const testVideos = await videos(actionTest);
  const frames = async (ds: ImageDataset) => readFrameImageSet(ds, { ...size, onProgress: tick });
  let privacy: Pick<Sets, 'trainImages' | 'valImages' | 'testImages' | 'videoAttributes'>;
  if (src.privacyFormat === 'pahmdb51') {
    // PA-HMDB51 labels HMDB51's videos: they and HMDB51's split files come from the action tree
    // when it is HMDB51, else from the PA-HMDB51 tree itself.
    const hmdb = await hmdbDirs(src.format === 'hmdb51' ? src.action : src.privacy, {});
    const pa = await readPaHmdb51(src.privacy, { videos: hmdb.videos });
    const parts = await paHmdbSubsets(pa, hmdb.splits, src.split, valEvery);
    const images = async (part: keyof typeof parts) =>
      frames(
        await videoFrameImages(
          'pa-hmdb51',
          src.privacy,
          [...PA_ATTRIBUTES],
          parts[part].map((s) => ({ path: s.path, id: s.id, labelsAt: (f) => paPresence(s, f) })),
          FRAMES_PER_PRIVACY_VIDEO,
        ),
      );
    privacy = {
      trainImages: await images('train'),
      valImages: await images('val'),
      testImages: await images('test'),
    };
  } else if (src.privacyFormat === 'vp') {
    // Every action video has its labels (withVpLabels names any the CSV lacks); the method's
    // images are frames of the same videos, split as they are.
    const vp = await readVpLabels(src.privacy);
    const labelled = [withVpLabels(actionTrain, vp), withVpLabels(actionTest, vp)];
    const of = (id: string): Uint8Array => {
      const y = vp.byVideo.get(vpKey(id));
      if (!y) throw new Error(`${vp.file}: no privacy labels for video '${id}'`);
      return y;
    };
    const images = async (set: VideoSet) => {
      const ids = new Set(set.items.map((v) => v.id));
      const list = labelled.flatMap((ds) => ds.samples).filter((s) => ids.has(s.id));
      const name = src.format === 'hmdb51' ? 'vp-hmdb51' : 'vp-ucf101';
      const ds = await videoFrameImages(
        name,
        src.privacy,
        [...VP_ATTRIBUTES],
        list.map((s) => ({ path: s.path, id: s.id, labelsAt: () => s.labels })),
        FRAMES_PER_PRIVACY_VIDEO,
      );
      return frames(ds);
    };
    privacy = {
      trainImages: await images(train),
      valImages: await images(val),
      testImages: await images(testVideos),
      videoAttributes: { attributes: [...VP_ATTRIBUTES], of },
    };
  } else {
    const attributes = src.attributes ?? (d.variant === 'known' ? 'vispr1' : 'vispr2');
    const images = async (split: 'train' | 'val' | 'test') =>
      readImageSet(await readVispr(src.privacy, { split, attributes }), { ...size, boxes, onProgress: tick });
    privacy = {
      trainImages: await images('train'),
      valImages: await images('val'),
      testImages: await images('test'),
    };
  }
  return { trainVideos: train, valVideos: val, testVideos, ...privacy };
}
