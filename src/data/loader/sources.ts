// Loader items from dataset readers' samples, or straight from SynthPAR (rendered in the
// workers, nothing on disk).
import type { ImageSample, VideoSample } from '../datasets/types.js';
import { hashSeed } from '../rng.js';
import type { Variant } from '../synthpar/catalog.js';
import { labelsOf, sampleScene } from '../synthpar/scene.js';
import type { ClipItem } from './clips.js';
import type { ImageItem } from './images.js';

export const fromVideoSamples = (samples: readonly VideoSample[]): ClipItem[] =>
  samples.map((s) => ({ source: { kind: 'file', path: s.path }, label: s.label }));

export const fromImageSamples = (samples: readonly ImageSample[]): ImageItem[] =>
  samples.map((s) => ({ source: { kind: 'file', path: s.path }, labels: s.labels }));

export interface SynthSourceConfig {
  seed: number;
  variant?: Variant;
  width: number;
  height: number;
}

/** SynthPAR clips `start`..`start+count-1` of `frames` frames each, labelled by their action. */
export function synthClipItems(
  c: SynthSourceConfig & { frames: number },
  count: number,
  start = 0,
): ClipItem[] {
  const variant = c.variant ?? 'known';
  return Array.from({ length: count }, (_, k) => {
    const index = start + k;
    return {
      source: {
        kind: 'synthpar',
        seed: c.seed,
        variant,
        index,
        width: c.width,
        height: c.height,
        frames: c.frames,
      },
      label: sampleScene(c.seed, variant, index).label,
    };
  });
}

/** SynthPAR privacy images `start`..`start+count-1`, with their attribute labels. */
export function synthImageItems(c: SynthSourceConfig, count: number, start = 0): ImageItem[] {
  const variant = c.variant ?? 'known';
  return Array.from({ length: count }, (_, k) => {
    const index = start + k;
    return {
      source: { kind: 'synthpar', seed: c.seed, variant, index, width: c.width, height: c.height },
      labels: labelsOf(sampleScene(hashSeed('images', c.seed), variant, index)),
    };
  });
}
