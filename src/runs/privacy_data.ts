// Privacy data cut from videos, for the sets of src/runs/data.ts: PA-HMDB51 (frame-range labels on
// HMDB51's videos) and VP-UCF101 / VP-HMDB51 (STPrivacy's video-level labels on the action
// dataset's own videos). f_B, its pre-training and the image attacker take evenly spaced frames
// as privacy images; VP-* also gives each video's labels to the video-level attacker.
import {
  hmdbDirs,
  type ImageDataset,
  PA_ATTRIBUTES,
  paHmdbSubsets,
  paPresence,
  readPaHmdb51,
  readVpLabels,
  type VideoDataset,
  videoFrameImages,
  VP_ATTRIBUTES,
  vpKey,
  withVpLabels,
} from '../data/datasets/index.js';
import { type FrameReader, type ImageSet, readImageSet, type VideoSet } from '../data/loader/index.js';

export type PrivacyFormat = 'vispr' | 'pahmdb51' | 'vp';

/** Frames cut from each privacy video of PA-HMDB51 and VP-* (evenly spaced) as privacy images. */
export const FRAMES_PER_PRIVACY_VIDEO = 4;

export interface PrivacySets {
  trainImages: ImageSet;
  valImages: ImageSet;
  testImages: ImageSet;
  /**
   * VP-UCF101 / VP-HMDB51: every action video's privacy labels (by VideoItem id), for the
   * video-level attacker; the image sets are then frames of those videos.
   */
  videoAttributes?: { attributes: string[]; of: (videoId: string) => Uint8Array };
}

/** What of a DataSource this reads (its `privacyFormat` is 'pahmdb51' or 'vp'). */
interface Source {
  action: string;
  format: 'ucf101' | 'hmdb51';
  split: 1 | 2 | 3;
  privacy: string;
  privacyFormat: PrivacyFormat;
}

export async function readVideoPrivacy(
  src: Source,
  size: { width: number; height: number; reader: FrameReader },
  action: { train: VideoDataset; test: VideoDataset },
  videos: { train: VideoSet; val: VideoSet; test: VideoSet },
  valEvery: number,
  tick?: () => void,
): Promise<PrivacySets> {
  const frames = async (ds: ImageDataset) => readImageSet(ds, { ...size, onProgress: tick });
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
    return {
      trainImages: await images('train'),
      valImages: await images('val'),
      testImages: await images('test'),
    };
  }
  if (src.privacyFormat === 'vp') {
    // Every action video has its labels (withVpLabels names any the CSV lacks); the method's
    // images are frames of the same videos, split as they are.
    const vp = await readVpLabels(src.privacy);
    const labelled = [withVpLabels(action.train, vp), withVpLabels(action.test, vp)];
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
    return {
      trainImages: await images(videos.train),
      valImages: await images(videos.val),
      testImages: await images(videos.test),
      videoAttributes: { attributes: [...VP_ATTRIBUTES], of },
    };
  }
  throw new Error(`readVideoPrivacy: '${src.privacyFormat}' is no video privacy format`);
}
