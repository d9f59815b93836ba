// The method's configuration: one plain object, checked once at the boundary. Defaults are the
// paper's (Adam, lr 4e-5 for f_A and 1e-4 for f_T and f_B, 8 clips + 8 images per batch,
// temperature 0.1, all loss weights 1, the differentiable hinge) at the paper's network names.
import { CLIP_AUGMENT, VIEW_AUGMENT, type AugmentConfig } from '../data/augment.js';
import { modelNames, modelSpec, resolveOptions } from '../models/index.js';
import * as T from '../torch/index.js';
import type { Device } from '../torch/index.js';
import type { ClipShape } from '../data/loader/index.js';
import { DISTORTIONS, type Distortion, type PenaltyGrad } from './losses.js';

export interface NetChoice {
  name: string;
  options: Record<string, unknown>;
  /** A pre-trained backbone to start from, head excluded (Kinetics-400 / ImageNet in the paper). */
  backbone?: string;
  /** Take the backbone's head too (f_B from an SSL backbone: the same projection, the same task). */
  backboneHead?: boolean;
}

export interface PretrainConfig {
  anonymizerEpochs: number;
  privacyEpochs: number;
  actionEpochs: number;
  /** Adam learning rates (f_A's identity pre-training: 1e-3, as the paper). */
  lrA: number;
  lrB: number;
  lrT: number;
  batch: number;
  /** Fraction of action-video frames added to the privacy images for f_A's identity (1%). */
  actionFrameFraction: number;
}

/**
 * How lambda moves: 'fixed' (the paper) or 'dual' (beyond the paper: projected dual ascent on the
 * constraint RMS <= B, so the budget holds without hand-tuning lambda; lambda is its start).
 */
export type LambdaRule = 'fixed' | 'dual';

/**
 * The privacy adversaries f_A faces (beyond the paper; src/method/adversaries.ts): `count` f_B's
 * (the first the pre-trained f_B, the others its encoder with projection heads of their own seeds),
 * f_A's step facing the strongest on each anchor; each restarted every `reinitEvery` batches (0:
 * never; staggered across the ensemble) from `reinitFrom` and trained alone for `warmup` batches
 * on the current f_A's output before f_A faces it. { count: 1, reinitEvery: 0 } is the paper.
 */
export interface AdversaryConfig {
  count: number;
  reinitEvery: number;
  reinitFrom: 'pretrained' | 'scratch';
  warmup: number;
}

export interface MethodConfig {
  fA: NetChoice;
  fT: NetChoice;
  fB: NetChoice;
  clip: ClipShape;
  imageSize: number;
  clipAugment: AugmentConfig;
  viewAugment: AugmentConfig;
  /** Distortion budget of L_penalty, its weight lambda (0: SPAct), and the other two weights. */
  B: number;
  lambda: number;
  lambdaRule: LambdaRule;
  /** 'dual': lambda <- max(0, lambda + dualLr (D - B)) after every f_A step, D what B bounds. */
  dualLr: number;
  /** What B bounds (losses.ts): absent or 'rms' the paper's RMS distortion; 'motion' beyond it. */
  distortion?: Distortion;
  wT: number;
  wB: number;
  penaltyGrad: PenaltyGrad;
  adversaries: AdversaryConfig;
  temperature: number;
  lrA: number;
  lrT: number;
  lrB: number;
  epochs: number;
  clipsPerBatch: number;
  imagesPerBatch: number;
  pretrain: PretrainConfig;
  /** Checkpoint also every this many batches inside an epoch (0: at epoch ends only). */
  checkpointEvery: number;
  seed: number;
  autocast: boolean;
  /**
   * Where the networks, their optimizer state and the batches live ('cpu', 'cuda', 'cuda:N'). Not
   * part of what a run is: a checkpoint from one device resumes on another.
   */
  device: Device;
}

export const PAPER: MethodConfig = {
  fA: { name: 'unetpp-r18', options: {} },
  fT: { name: 'i3d-r50', options: {} },
  fB: { name: 'resnet50', options: {} },
  clip: { frames: 16, stride: 2, size: 224 },
  imageSize: 224,
  clipAugment: CLIP_AUGMENT,
  viewAugment: VIEW_AUGMENT,
  B: 0.3,
  lambda: 1,
  lambdaRule: 'fixed',
  // An RMS 0.05 over B raises lambda by 5 per f_A step: a few dozen steps take it past the size
  // (tens) at which L_penalty's gradient outweighs the privacy loss's at these losses' scales.
  dualLr: 100,
  wT: 1,
  wB: 1,
  penaltyGrad: 'hinge',
  adversaries: { count: 1, reinitEvery: 0, reinitFrom: 'pretrained', warmup: 0 },
  temperature: 0.1,
  lrA: 4e-5,
  lrT: 1e-4,
  lrB: 1e-4,
  epochs: 100,
  clipsPerBatch: 8,
  imagesPerBatch: 8,
  pretrain: {
    anonymizerEpochs: 10,
    privacyEpochs: 100,
    actionEpochs: 100,
    lrA: 1e-3,
    lrB: 1e-4,
    lrT: 1e-4,
    batch: 32,
    actionFrameFraction: 0.01,
  },
  checkpointEvery: 0,
  seed: 0,
  autocast: false,
  device: 'cpu',
};

/** Throws naming the field (the CLI's flag of the same name in kebab-case) on a bad value. */
export function validateConfig(c: MethodConfig): MethodConfig {
  const bad = (field: string, want: string, got: unknown): never => {
    throw new Error(`config: '${field}' must be ${want}, got ${JSON.stringify(got)}`);
  };
  const num = (field: string, v: number, min: number, max = Infinity, int = false): void => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (int && !Number.isInteger(v)))
      bad(field, `${int ? 'an integer' : 'a number'} in [${min}, ${max}]`, v);
  };
  num('B', c.B, 0);
  num('lambda', c.lambda, 0);
  num('dualLr', c.dualLr, 0);
  if (c.distortion !== undefined && !DISTORTIONS.includes(c.distortion))
    bad('distortion', DISTORTIONS.map((d) => `'${d}'`).join(' or '), c.distortion);
  if (c.lambdaRule !== 'fixed' && c.lambdaRule !== 'dual')
    bad('lambdaRule', "'fixed' or 'dual'", c.lambdaRule);
  num('wT', c.wT, 0);
  num('wB', c.wB, 0);
  num('temperature', c.temperature, 1e-6);
  for (const k of ['lrA', 'lrT', 'lrB'] as const) num(k, c[k], 0, 1);
  num('epochs', c.epochs, 0, 1e6, true);
  num('clipsPerBatch', c.clipsPerBatch, 1, 1e5, true);
  num('imagesPerBatch', c.imagesPerBatch, 2, 1e5, true);
  num('frames', c.clip.frames, 1, 1024, true);
  num('stride', c.clip.stride, 1, 64, true);
  num('size', c.clip.size, 8, 4096, true);
  num('imageSize', c.imageSize, 8, 4096, true);
  num('checkpointEvery', c.checkpointEvery, 0, 1e9, true);
  num('seed', c.seed, 0, 2 ** 31, true);
  if (T.parseDevice(c.device) === null) bad('device', "'cpu', 'cuda' or 'cuda:N'", c.device);
  if (c.penaltyGrad !== 'hinge' && c.penaltyGrad !== 'none')
    bad('penaltyGrad', "'hinge' or 'none'", c.penaltyGrad);
  // A motion-aware f_A compares frames `gap` video frames apart: in training those are a clip's
  // neighbouring frames, so gap must be the clip stride, or deployment would show it other motion.
  if (modelNames().includes(c.fA.name) && 'gap' in modelSpec(c.fA.name).options) {
    const gap = resolveOptions(c.fA.name, c.fA.options).gap;
    if (gap !== c.clip.stride)
      bad(
        'fA.options.gap',
        `the clip stride (${c.clip.stride}): f_A '${c.fA.name}' compares frames that far apart; e.g. --f-a '${c.fA.name}:{"gap":${c.clip.stride}}'`,
        gap,
      );
  }
  const a = c.adversaries as AdversaryConfig | undefined;
  if (typeof a !== 'object' || a === null) bad('adversaries', 'an object', a);
  else {
    num('adversaries.count', a.count, 1, 64, true);
    num('adversaries.reinitEvery', a.reinitEvery, 0, 1e9, true);
    num('adversaries.warmup', a.warmup, 0, 1e6, true);
    if (a.reinitFrom !== 'pretrained' && a.reinitFrom !== 'scratch')
      bad('adversaries.reinitFrom', "'pretrained' or 'scratch'", a.reinitFrom);
  }
  const p = c.pretrain;
  num('pretrain.anonymizerEpochs', p.anonymizerEpochs, 0, 1e6, true);
  num('pretrain.privacyEpochs', p.privacyEpochs, 0, 1e6, true);
  num('pretrain.actionEpochs', p.actionEpochs, 0, 1e6, true);
  num('pretrain.batch', p.batch, 2, 1e5, true);
  num('pretrain.actionFrameFraction', p.actionFrameFraction, 0, 1);
  return c;
}

/**
 * A config as an older veil saved it (before a beyond-the-paper field existed), with that field at
 * the paper's value: what the run then did. Lets `--resume` and the demo's reuse compare configs
 * across versions without calling an old run another one's.
 */
export function withDefaults(saved: MethodConfig): MethodConfig {
  return { ...saved, adversaries: saved.adversaries ?? PAPER.adversaries };
}
