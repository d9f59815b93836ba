// The method's flags of `veil pretrain`, `veil train` and `veil eval` (their table is
// src/cli/method-flags.ts), parsed and validated there, turned here into the method's config
// object and a dataset reading plan. Each flag sets the config field of the same name
// (kebab-case; --budget sets B); a flag left out keeps the preset's value.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { detectLayouts } from '../data/datasets/index.js';
import { UsageError } from '../data/errors.js';
import { type MethodConfig, PAPER, validateConfig } from '../method/config.js';
import type { Distortion } from '../method/losses.js';
import { bf16Pays, cudaAvailable, cudaDeviceCount, type Device, parseDevice } from '../torch/index.js';
import { readBackbones } from './backbones.js';
import type { DataConfig, DataSource, PrivacyFormat } from './data.js';
import { demoConfig } from './presets.js';

/** The parsed method flags, keyed by flag name. */
export interface MethodValues {
  data?: string | undefined;
  'action-data'?: string | undefined;
  'action-format'?: 'ucf101' | 'hmdb51' | undefined;
  'privacy-data'?: string | undefined;
  'privacy-format'?: PrivacyFormat | undefined;
  attributes?: string | undefined;
  split?: number | undefined;
  preset: 'demo' | 'paper';
  size?: number | undefined;
  frames?: number | undefined;
  stride?: number | undefined;
  'video-frames': number;
  variant: 'known' | 'novel';
  'f-a'?: string | undefined;
  'f-t'?: string | undefined;
  'f-b'?: string | undefined;
  backbones?: string | undefined;
  'action-init'?: string | undefined;
  'privacy-init'?: string | undefined;
  budget?: number | undefined;
  lambda?: number | undefined;
  distortion?: Distortion | undefined;
  'lambda-rule'?: 'fixed' | 'dual' | undefined;
  'dual-lr'?: number | undefined;
  'w-t'?: number | undefined;
  'w-b'?: number | undefined;
  'lr-a'?: number | undefined;
  'lr-t'?: number | undefined;
  'lr-b'?: number | undefined;
  epochs?: number | undefined;
  'clips-per-batch'?: number | undefined;
  'images-per-batch'?: number | undefined;
  'penalty-grad'?: 'hinge' | 'none' | undefined;
  adversaries?: number | undefined;
  'adversary-reinit-every'?: number | undefined;
  'adversary-reinit-from'?: 'pretrained' | 'scratch' | undefined;
  'adversary-warmup'?: number | undefined;
  temperature?: number | undefined;
  seed?: number | undefined;
  'checkpoint-every'?: number | undefined;
  autocast?: boolean | undefined;
  device?: string | undefined;
}

/**
 * The --device flag as a Device this process can use: 'cpu' (the default), 'cuda' or 'cuda:N'.
 * A CUDA device on a libtorch without CUDA (Debian's is CPU-only) is a usage error, not a crash
 * at the first tensor.
 */
export function deviceOption(v: string | undefined): Device {
  const d = parseDevice(v ?? 'cpu');
  if (d === null) throw new UsageError(`--device must be cpu, cuda or cuda:N, got '${String(v)}'`);
  if (d === 'cpu') return d;
  if (!cudaAvailable())
    throw new UsageError(
      `--device ${d}: this build of libtorch has no CUDA (Debian's libtorch is CPU-only); build the addon ` +
        "against a CUDA libtorch to use a GPU (README, 'Devices and GPUs'), or use --device cpu",
    );
  const n = cudaDeviceCount();
  const index = d === 'cuda' ? 0 : Number(d.slice('cuda:'.length));
  if (index >= n)
    throw new UsageError(`--device ${d}: this machine has ${n} CUDA device(s), cuda:0 to cuda:${n - 1}`);
  return d;
}

/** The config a preset starts from (the demo's asks for bf16 autocast where `device` has it). */
export function presetConfig(preset: 'demo' | 'paper', device: Device = 'cpu'): MethodConfig {
  return preset === 'paper' ? PAPER : demoConfig('', { device }).method;
}

/** A network flag: `name` or `name:{"width":8}`. */
function net(flag: string, v: string | undefined, base: MethodConfig['fA']): MethodConfig['fA'] {
  if (v === undefined) return base;
  const i = v.indexOf(':');
  if (i < 0) return { name: v, options: {} };
  try {
    return { name: v.slice(0, i), options: JSON.parse(v.slice(i + 1)) as Record<string, unknown> };
  } catch {
    throw new UsageError(`--${flag}: options after ':' must be JSON, got '${v.slice(i + 1)}'`);
  }
}

/** A starting-weights file of --action-init or --privacy-init, resolved; undefined when not given. */
export function initFile(v: MethodValues, flag: 'action-init' | 'privacy-init'): string | undefined {
  const f = v[flag];
  if (f === undefined) return undefined;
  if (!existsSync(f)) throw new UsageError(`--${flag}: ${f} not found`);
  return resolve(f);
}

/**
 * The method's config from the flags. `--backbones DIR` is where f_T and f_B start (role 'method':
 * its privacy backbone must have learned no privacy label) or, for `veil eval` (role 'judges'),
 * where the judges start: then the method's networks take nothing from it. `--action-init` and
 * `--privacy-init` (e.g. torchvision's Kinetics-400 and ImageNet files) replace either start.
 */
export function methodConfig(v: MethodValues, role: 'method' | 'judges' = 'method'): MethodConfig {
  if (v.preset !== 'demo' && v.preset !== 'paper')
    throw new UsageError(`--preset must be demo or paper, got '${String(v.preset)}'`);
  const device = deviceOption(v.device);
  const base = presetConfig(v.preset, device);
  // f_T and f_B start from pre-trained backbones (the paper: Kinetics-400 and ImageNet).
  let bb: ReturnType<typeof readBackbones> | null = null;
  try {
    if (v.backbones !== undefined && role === 'method') bb = readBackbones(resolve(v.backbones));
  } catch (e) {
    throw new UsageError((e as Error).message); // a folder without backbones.json
  }
  if (bb && bb.privacyKind !== 'ssl')
    throw new UsageError(
      `--backbones: ${v.backbones} holds judges' backbones (its privacy backbone learned the private attributes); ` +
        'f_B must start from one trained without privacy labels: veil pretrain backbones --for method',
    );
  const method = role === 'method';
  const actionInit = method ? initFile(v, 'action-init') : undefined;
  const privacyInit = method ? initFile(v, 'privacy-init') : undefined;
  const distortion = v.distortion ?? base.distortion;
  const c: MethodConfig = {
    ...base,
    fA: net('f-a', v['f-a'], base.fA),
    fT: { ...net('f-t', v['f-t'], base.fT), backbone: actionInit ?? bb?.action },
    // An SSL backbone brings its projection head; an ImageNet classifier's fc is no such head.
    fB: privacyInit
      ? { ...net('f-b', v['f-b'], base.fB), backbone: privacyInit }
      : { ...net('f-b', v['f-b'], base.fB), backbone: bb?.privacy, backboneHead: bb ? true : undefined },
    clip: {
      frames: v.frames ?? base.clip.frames,
      stride: v.stride ?? base.clip.stride,
      size: v.size ?? base.clip.size,
    },
    imageSize: v.size ?? base.imageSize,
    B: v.budget ?? base.B,
    lambda: v.lambda ?? base.lambda,
    lambdaRule: v['lambda-rule'] ?? base.lambdaRule,
    // Absent unless asked for: a run's config (and so its resume check) stays the paper's.
    ...(distortion && { distortion }),
    dualLr: v['dual-lr'] ?? base.dualLr,
    wT: v['w-t'] ?? base.wT,
    wB: v['w-b'] ?? base.wB,
    lrA: v['lr-a'] ?? base.lrA,
    lrT: v['lr-t'] ?? base.lrT,
    lrB: v['lr-b'] ?? base.lrB,
    epochs: v.epochs ?? base.epochs,
    clipsPerBatch: v['clips-per-batch'] ?? base.clipsPerBatch,
    imagesPerBatch: v['images-per-batch'] ?? base.imagesPerBatch,
    penaltyGrad: v['penalty-grad'] ?? base.penaltyGrad,
    adversaries: {
      count: v.adversaries ?? base.adversaries.count,
      reinitEvery: v['adversary-reinit-every'] ?? base.adversaries.reinitEvery,
      reinitFrom: v['adversary-reinit-from'] ?? base.adversaries.reinitFrom,
      warmup: v['adversary-warmup'] ?? base.adversaries.warmup,
    },
    temperature: v.temperature ?? base.temperature,
    seed: v.seed ?? base.seed,
    checkpointEvery: v['checkpoint-every'] ?? base.checkpointEvery,
    // The flag can only switch autocast on (the demo preset has it on already), and only where bf16
    // has hardware to run on: without it oneDNN emulates bf16 (slower) or has no bf16 convolution.
    autocast: (v.autocast || base.autocast) && bf16Pays(device),
    device,
  };
  try {
    return validateConfig(c);
  } catch (e) {
    // Every field came from a flag or a preset: a bad one is a usage error.
    throw new UsageError((e as Error).message);
  }
}

/** How to read the dataset at --data: its frame size and frames per video. */
export function dataPlan(v: Pick<MethodValues, 'variant' | 'video-frames'>, c: MethodConfig): DataConfig {
  if (v.variant !== 'known' && v.variant !== 'novel')
    throw new UsageError(`--variant must be known or novel, got '${String(v.variant)}'`);
  return {
    variant: v.variant,
    clips: 0,
    images: 0,
    width: c.imageSize,
    height: c.imageSize,
    frames: v['video-frames'],
    seed: 0,
  };
}

/**
 * The dataset the flags name: --data DIR (UCF101 at DIR, VISPR in DIR/vispr), or --action-data
 * (UCF101 or HMDB51, told apart by their split files unless --action-format says) and
 * --privacy-data (VISPR, PA-HMDB51, or a VP-* CSV; found from what it holds unless
 * --privacy-format says); --split picks the action split, --attributes VISPR's attributes. No
 * person boxes: `veil eval` adds them.
 */
export async function dataSource(v: MethodValues): Promise<DataSource> {
  const action = v['action-data'] ?? v.data;
  const privacy = v['privacy-data'] ?? (v.data === undefined ? undefined : join(v.data, 'vispr'));
  if (action === undefined || privacy === undefined)
    throw new UsageError(
      '--data DIR is required (UCF-101/ + ucfTrainTestlist/ and vispr/; veil data synth writes one), ' +
        'or --action-data DIR and --privacy-data DIR',
    );
  if (v.split !== undefined && v.split !== 1 && v.split !== 2 && v.split !== 3)
    throw new UsageError(`--split must be 1, 2 or 3, got ${v.split}`);
  return sourceOf(
    {
      action,
      actionFormat: v['action-format'],
      privacy,
      privacyFormat: v['privacy-format'],
      attributes: v.attributes,
    },
    (v.split ?? 1) as 1 | 2 | 3,
    '',
  );
}

/** One protocol's data as flags give it (`prefix`: '' or 'novel-', for the messages). */
export interface SourceFlags {
  action: string;
  actionFormat: 'ucf101' | 'hmdb51' | undefined;
  privacy: string;
  privacyFormat: PrivacyFormat | undefined;
  attributes: string | undefined;
}

export async function sourceOf(f: SourceFlags, split: 1 | 2 | 3, prefix: string): Promise<DataSource> {
  // An HMDB51 tree is one whose split files are found and which has no UCF101 lists; anything
  // else is read as UCF101, whose reader names what is missing.
  const found = f.actionFormat ? [] : (await detectLayouts(f.action)).filter((l) => l.root === f.action);
  const hmdb = found.some((l) => l.kind === 'hmdb51') && !found.some((l) => l.kind === 'ucf101');
  const privacyFormat = f.privacyFormat ?? (await detectPrivacy(f.privacy));
  if (f.attributes !== undefined && privacyFormat !== 'vispr')
    throw new UsageError(
      `--${prefix}attributes picks VISPR's attributes; ${f.privacy} is ${privacyFormat === 'vp' ? 'a VP-* CSV' : 'PA-HMDB51'}, whose attributes are fixed`,
    );
  return {
    action: resolve(f.action),
    format: f.actionFormat ?? (hmdb ? 'hmdb51' : 'ucf101'),
    split,
    privacy: resolve(f.privacy),
    privacyFormat,
    ...(f.attributes === undefined
      ? {}
      : { attributes: attributeList(f.attributes, `--${prefix}attributes`) }),
    boxes: null,
  };
}

/**
 * What a --privacy-data path holds: a .csv file is VP-UCF101 / VP-HMDB51's labels, a folder with
 * PrivacyAttributes/ (and no VISPR annotations/) is PA-HMDB51, anything else is read as VISPR.
 */
async function detectPrivacy(path: string): Promise<PrivacyFormat> {
  if (path.toLowerCase().endsWith('.csv')) return 'vp';
  const found = (await detectLayouts(path)).filter((l) => l.root === path);
  return found.some((l) => l.kind === 'pahmdb51') && !found.some((l) => l.kind === 'vispr')
    ? 'pahmdb51'
    : 'vispr';
}

/** --attributes: vispr1, vispr2, or attribute ids separated by commas (a4_gender,a6_hair_color). */
export function attributeList(v: string, flag: string): 'vispr1' | 'vispr2' | string[] {
  if (v === 'vispr1' || v === 'vispr2') return v;
  const ids = v.split(',').map((a) => a.trim());
  const bad = ids.filter((a) => !/^a\d+_\w+$/.test(a));
  if (bad.length > 0 || ids.length === 0)
    throw new UsageError(
      `${flag} must be vispr1, vispr2 or VISPR attribute ids like a4_gender,a6_hair_color; got '${bad.join(',') || v}'`,
    );
  return ids;
}
