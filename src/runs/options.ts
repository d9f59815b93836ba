// Flags shared by `veil pretrain`, `veil train` and `veil eval`, turned into the method's config
// object and a dataset reading plan. Each flag is the config field of the same name in kebab-case.
import { type MethodConfig, PAPER, validateConfig } from '../method/config.js';
import { resolve } from 'node:path';

import { readBackbones } from './backbones.js';
import type { DataConfig } from './experiment.js';
import { demoConfig } from './presets.js';

export const METHOD_FLAGS = {
  data: { type: 'string' },
  workspace: { type: 'string', default: 'veil-work' },
  preset: { type: 'string', default: 'demo' },
  size: { type: 'string' },
  frames: { type: 'string' },
  stride: { type: 'string' },
  'video-frames': { type: 'string' },
  variant: { type: 'string', default: 'known' },
  'f-a': { type: 'string' },
  'f-t': { type: 'string' },
  'f-b': { type: 'string' },
  backbones: { type: 'string' },
  B: { type: 'string' },
  lambda: { type: 'string' },
  'w-t': { type: 'string' },
  'w-b': { type: 'string' },
  'lr-a': { type: 'string' },
  'lr-t': { type: 'string' },
  'lr-b': { type: 'string' },
  epochs: { type: 'string' },
  'clips-per-batch': { type: 'string' },
  'images-per-batch': { type: 'string' },
  'penalty-grad': { type: 'string' },
  temperature: { type: 'string' },
  seed: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  autocast: { type: 'boolean' },
  resume: { type: 'boolean', default: false },
  seeds: { type: 'string', default: '1' },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${flag} must be a number, got '${v}'`);
  return n;
}

/** A network flag: `name` or `name:{"width":8}`. */
function net(flag: string, v: string | undefined, base: MethodConfig['fA']): MethodConfig['fA'] {
  if (v === undefined) return base;
  const i = v.indexOf(':');
  if (i < 0) return { name: v, options: {} };
  try {
    return { name: v.slice(0, i), options: JSON.parse(v.slice(i + 1)) as Record<string, unknown> };
  } catch {
    throw new Error(`--${flag}: options after ':' must be JSON, got '${v.slice(i + 1)}'`);
  }
}

export function methodConfig(v: Record<string, string | boolean | undefined>): MethodConfig {
  const s = (k: string): string | undefined => v[k] as string | undefined;
  if (s('preset') !== 'demo' && s('preset') !== 'paper')
    throw new Error(`--preset must be demo or paper, got '${s('preset')}'`);
  const base = s('preset') === 'paper' ? PAPER : demoConfig('', false).method;
  const size = num('size', s('size'));
  const pg = s('penalty-grad');
  if (pg !== undefined && pg !== 'hinge' && pg !== 'none')
    throw new Error(`--penalty-grad must be hinge or none, got '${pg}'`);
  // f_T and f_B start from pre-trained backbones (the paper: Kinetics-400 and ImageNet).
  const bb = s('backbones') === undefined ? null : readBackbones(resolve(s('backbones') as string));
  const c: MethodConfig = {
    ...base,
    fA: net('f-a', s('f-a'), base.fA),
    fT: { ...net('f-t', s('f-t'), base.fT), backbone: bb?.action },
    fB: { ...net('f-b', s('f-b'), base.fB), backbone: bb?.attacker },
    clip: {
      frames: num('frames', s('frames')) ?? base.clip.frames,
      stride: num('stride', s('stride')) ?? base.clip.stride,
      size: size ?? base.clip.size,
    },
    imageSize: size ?? base.imageSize,
    B: num('B', s('B')) ?? base.B,
    lambda: num('lambda', s('lambda')) ?? base.lambda,
    wT: num('w-t', s('w-t')) ?? base.wT,
    wB: num('w-b', s('w-b')) ?? base.wB,
    lrA: num('lr-a', s('lr-a')) ?? base.lrA,
    lrT: num('lr-t', s('lr-t')) ?? base.lrT,
    lrB: num('lr-b', s('lr-b')) ?? base.lrB,
    epochs: num('epochs', s('epochs')) ?? base.epochs,
    clipsPerBatch: num('clips-per-batch', s('clips-per-batch')) ?? base.clipsPerBatch,
    imagesPerBatch: num('images-per-batch', s('images-per-batch')) ?? base.imagesPerBatch,
    penaltyGrad: (pg as MethodConfig['penaltyGrad'] | undefined) ?? base.penaltyGrad,
    temperature: num('temperature', s('temperature')) ?? base.temperature,
    seed: num('seed', s('seed')) ?? base.seed,
    checkpointEvery: num('checkpoint-every', s('checkpoint-every')) ?? base.checkpointEvery,
    autocast: (v.autocast as boolean | undefined) ?? base.autocast,
  };
  return validateConfig(c);
}

/** How to read the dataset at --data: its frame size and frames per video. */
export function dataPlan(v: Record<string, string | boolean | undefined>, c: MethodConfig): DataConfig {
  const variant = v.variant as string;
  if (variant !== 'known' && variant !== 'novel')
    throw new Error(`--variant must be known or novel, got '${variant}'`);
  return {
    variant,
    clips: 0,
    images: 0,
    width: c.imageSize,
    height: c.imageSize,
    frames: num('video-frames', v['video-frames'] as string | undefined) ?? 16,
    seed: 0,
  };
}

export function requireData(v: Record<string, string | boolean | undefined>): string {
  const d = v.data as string | undefined;
  if (!d)
    throw new Error(
      '--data DIR is required: a folder with UCF-101/ + ucfTrainTestlist/ and vispr/ (veil data synth writes one)',
    );
  return d;
}
