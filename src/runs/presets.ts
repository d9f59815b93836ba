// The demo's sizes: what two CPU cores finish in 15 minutes (full) or 3 (quick), with the small
// CPU networks of the zoo. The method's own settings (B sweep, lambda, weights, temperature, the
// two-step schedule) are the paper's; learning rates are raised and epochs cut to fit minutes.
import { CLIP_AUGMENT, VIEW_AUGMENT } from '../data/augment.js';
import { PAPER } from '../method/config.js';
import type { BackboneConfig } from './backbones.js';
import type { ExperimentConfig } from './experiment.js';

// SynthPAR's actions come in mirror pairs (walk_right / walk_left, hop_right / hop_left): a
// horizontal flip would turn one into the other, so SynthPAR clips are never flipped. At demo
// sizes a person is a few pixels wide: crops keep at least 80% of a side and nothing is erased
// (an erased rectangle of up to a third of the frame can remove the person and the label with it).
const clipAugment = { ...CLIP_AUGMENT, flip: 0, scale: [0.8, 1] as [number, number], erasing: 0 };
const viewAugment = { ...VIEW_AUGMENT, scale: [0.8, 1] as [number, number] };
// The attacker sees whole images: a resized crop resamples a badge or logo of a few pixels into a
// smear (attacker alone on the backbone draw, 12,000 images, 8 epochs, two seeds: the logo's AP
// 52 and 54 with crops, 90 and 64 without). f_B's NT-Xent views keep their crops: they make the
// two views differ.
const attackerAugment = { ...viewAugment, scale: [1, 1] as [number, number], erasing: 0 };

/**
 * The demo's B sweep. The paper's values (0.3 to 0.9) lie above every RMS distortion the demo's
 * short minimax reaches (about 0.16 after 5 epochs), where the hinge is zero and veil is SPAct; the
 * demo sweeps the range the distortion passes through. At B = 0.2 L_penalty stayed 0 in every epoch
 * of two demo runs (SPAct step for step), so the sweep stops at 0.15.
 * `veil demo --sweep 0.3,0.5,0.7,0.9` runs the paper's.
 */
export const DEMO_SWEEP = [0.05, 0.1, 0.15];

export function demoConfig(
  workspace: string,
  quick: boolean,
  seeds?: number,
  sweep?: number[],
): ExperimentConfig {
  const size = 32;
  const small = (w: number) => ({ width: w });
  // ImageNet's stem quarters a 32-pixel image before the first block: badges, logos and faces of
  // two pixels are gone. The full demo's attacker backbone (then 8 epochs) read 74.8% held-out cMAP
  // with it and 90.5% with the CIFAR stem (3x3, stride 1, no max-pool), which f_B and the attacker use.
  const privacyNet = { width: 8, smallStem: true };
  // bfloat16 on the CPU's AMX units, for the method and the judges alike: a training step of
  // r3d-small takes 32 ms instead of 52, the full demo 607 s instead of 896, every target still met.
  const autocast = true;
  // The judges' backbones: their own draw; the attacker learns the attributes (worst case).
  const backbones: BackboneConfig = {
    seed: 1007,
    privacy: 'attacker',
    clips: quick ? 1600 : 2400,
    images: quick ? 400 : 12000,
    actionEpochs: quick ? 12 : 20,
    attackerEpochs: quick ? 2 : 16,
    clipsPerBatch: 16,
    imagesPerBatch: 32,
    lr: 3e-3,
  };
  // f_T's and f_B's start: another draw, and a privacy backbone trained with NT-Xent alone, so no
  // privacy label reaches the method and the judges share no weights with it.
  const methodBackbones: BackboneConfig = {
    ...backbones,
    seed: 2011,
    privacy: 'ssl',
    clips: quick ? 1600 : 2400,
    images: quick ? 400 : 4000,
    actionEpochs: quick ? 12 : 16,
    attackerEpochs: quick ? 2 : 8,
    viewAugment,
  };
  return {
    workspace,
    data: {
      variant: 'known',
      clips: quick ? 60 : 500,
      images: quick ? 100 : 800,
      width: size,
      height: size,
      frames: 16,
      seed: 7,
    },
    // Motion at 32 pixels takes a 3D CNN from scratch thousands of clips to find; the backbones
    // learn it once on their own draw, and every judge starts from them (as from Kinetics).
    backbones,
    methodBackbones,
    method: {
      ...PAPER,
      fA: { name: 'unet-small', options: small(8) },
      fT: { name: 'r3d-small', options: small(8) },
      fB: { name: 'resnet-small', options: privacyNet },
      // 8 frames at stride 2 span the whole 16-frame motion: SynthPAR's actions differ by a few pixels.
      clip: { frames: 8, stride: 2, size },
      imageSize: size,
      clipAugment,
      viewAugment,
      lrA: 5e-4,
      lrT: 1e-4,
      lrB: 1e-4,
      epochs: quick ? 1 : 5,
      clipsPerBatch: 8,
      imagesPerBatch: 8,
      pretrain: {
        ...PAPER.pretrain,
        anonymizerEpochs: quick ? 4 : 10,
        privacyEpochs: quick ? 1 : 3,
        actionEpochs: quick ? 1 : 2,
        lrB: 1e-3,
        lrT: 1e-3,
        batch: 16,
        actionFrameFraction: 0.01,
      },
      autocast,
    },
    sweep: sweep ?? (quick ? [0.05, 0.3] : DEMO_SWEEP),
    spact: true,
    protocol: {
      actionModel: 'r3d-small',
      actionOptions: small(8),
      attackerModel: 'resnet-small',
      attackerOptions: privacyNet,
      // Set to the backbones' files when the experiment has them.
      actionInit: null,
      attackerInit: null,
      actionEpochs: quick ? 2 : 4,
      attackerEpochs: quick ? 2 : 4,
      clipsPerBatch: 8,
      imagesPerBatch: 16,
      lr: 1e-3,
      clip: { frames: 8, stride: 2, size },
      imageSize: size,
      clipAugment,
      imageAugment: attackerAugment,
      testClips: 5,
      autocast,
    },
    seeds: seeds ?? (quick ? 1 : 2),
    minimaxSeeds: quick ? 1 : 3,
    valEvery: quick ? 3 : 8,
    novel: true,
  };
}
