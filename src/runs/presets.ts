// The demo's sizes: what two CPU cores finish in 15 minutes (full) or 3 (quick), with the small
// CPU networks of the zoo. The method's own settings (B sweep, lambda, weights, temperature, the
// two-step schedule) are the paper's; learning rates are raised and epochs cut to fit minutes.
import { CLIP_AUGMENT, VIEW_AUGMENT } from '../data/augment.js';
import { PAPER } from '../method/config.js';
import type { ExperimentConfig } from './experiment.js';

// SynthPAR's actions come in mirror pairs (walk_right / walk_left, hop_right / hop_left): a
// horizontal flip would turn one into the other, so SynthPAR clips are never flipped.
const clipAugment = { ...CLIP_AUGMENT, flip: 0 };
const viewAugment = { ...VIEW_AUGMENT };

export function demoConfig(workspace: string, quick: boolean, seeds?: number): ExperimentConfig {
  const size = 32;
  const small = (w: number) => ({ width: w });
  return {
    workspace,
    data: {
      variant: 'known',
      clips: quick ? 60 : 300,
      images: quick ? 100 : 400,
      width: size,
      height: size,
      frames: 16,
      seed: 7,
    },
    method: {
      ...PAPER,
      fA: { name: 'unet-small', options: small(8) },
      fT: { name: 'r3d-small', options: small(8) },
      fB: { name: 'resnet-small', options: small(8) },
      // 8 frames at stride 2 span the whole 16-frame motion: SynthPAR's actions differ by a few pixels.
      clip: { frames: 8, stride: 2, size },
      imageSize: size,
      clipAugment,
      viewAugment,
      lrA: 3e-4,
      lrT: 1e-3,
      lrB: 1e-3,
      epochs: quick ? 1 : 4,
      clipsPerBatch: 8,
      imagesPerBatch: 8,
      pretrain: {
        ...PAPER.pretrain,
        anonymizerEpochs: quick ? 1 : 4,
        privacyEpochs: quick ? 1 : 6,
        actionEpochs: quick ? 2 : 10,
        lrB: 1e-3,
        lrT: 3e-3,
        batch: 16,
        actionFrameFraction: 0.01,
      },
      autocast: false,
    },
    sweep: quick ? [0.3, 0.9] : [0.3, 0.5, 0.7, 0.9],
    spact: true,
    protocol: {
      actionModel: 'r3d-small',
      actionOptions: small(8),
      attackerModel: 'resnet-small',
      attackerOptions: small(8),
      actionEpochs: quick ? 3 : 10,
      attackerEpochs: quick ? 3 : 8,
      clipsPerBatch: 8,
      imagesPerBatch: 16,
      lr: 3e-3,
      clip: { frames: 8, stride: 2, size },
      imageSize: size,
      clipAugment,
      imageAugment: { ...viewAugment, erasing: 0 },
      testClips: 5,
      autocast: false,
    },
    seeds: seeds ?? (quick ? 1 : 2),
    valEvery: 8,
  };
}
