// Tiny in-memory SynthPAR sets and a tiny method config, for the method's tests. The sets are read
// through one real reader (worker threads, cache) as a command's are.
import { attributeNames, classNames, synthClip, synthImage } from '../../src/data/synthpar/index.js';
import { CLIP_AUGMENT, VIEW_AUGMENT } from '../../src/data/augment.js';
import { type MethodConfig, PAPER } from '../../src/method/config.js';
import type { MinimaxData } from '../../src/method/minimax.js';
import {
  FrameReader,
  type ImageSet,
  memoryImageSet,
  memoryVideoSet,
  type VideoSet,
} from '../../src/data/loader/index.js';

/** The tests' one reader (its idle workers do not keep the process alive). */
export const READER = new FrameReader();

export const S = 16;

export function videoSet(n: number, start = 0, frames = 4): VideoSet {
  const items = Array.from({ length: n }, (_, k) => {
    const c = synthClip({ seed: 3, width: S, height: S, frames }, start + k);
    return { id: `v${start + k}`, label: c.label, frames: c.frames, boxes: c.boxes };
  });
  return memoryVideoSet(
    { name: 'synthpar', reader: READER, classes: classNames(), width: S, height: S },
    items,
  );
}

export function imageSet(n: number, start = 0): ImageSet {
  const items = Array.from({ length: n }, (_, k) => {
    const im = synthImage({ seed: 3, width: S, height: S }, start + k);
    return { id: `i${start + k}`, labels: im.labels, data: im.data, boxes: im.boxes };
  });
  return memoryImageSet(
    { name: 'synthpar', reader: READER, attributes: attributeNames(), width: S, height: S },
    items,
  );
}

export const tinyData = (): MinimaxData => ({
  trainVideos: videoSet(16),
  valVideos: videoSet(4, 100),
  trainImages: imageSet(16),
  valImages: imageSet(12, 100),
});

export const tinyConfig = (o: Partial<MethodConfig> = {}): MethodConfig => ({
  ...PAPER,
  fA: { name: 'unet-small', options: { width: 4 } },
  fT: { name: 'r3d-small', options: { width: 4 } },
  fB: { name: 'resnet-small', options: { width: 4 } },
  clip: { frames: 4, stride: 1, size: S },
  imageSize: S,
  clipAugment: { ...CLIP_AUGMENT, flip: 0 },
  viewAugment: VIEW_AUGMENT,
  lrA: 1e-3,
  lrT: 1e-3,
  lrB: 1e-3,
  epochs: 2,
  clipsPerBatch: 4,
  imagesPerBatch: 4,
  pretrain: { ...PAPER.pretrain, anonymizerEpochs: 1, privacyEpochs: 1, actionEpochs: 1, batch: 4 },
  ...o,
});
