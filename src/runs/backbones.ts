// Pre-trained backbones: veil's stand-in for Kinetics-400 and ImageNet weights. The field never
// judges an anonymizer with networks trained from scratch: SPAct's fresh action model starts from
// Kinetics-400 and its fresh privacy attacker from ImageNet, and the paper's f_T and f_B start
// there too. No model hub is reachable here, so veil pre-trains the protocol's two architectures
// on raw data of a separate SynthPAR draw (its own seed: other people, clothes, scenes, motions),
// rendered in memory. Two sets, on two draws, so that judges share no weights with what they judge:
// - the method's (f_T's and f_B's start): an action backbone, and a privacy backbone trained with
//   NT-Xent alone: no privacy label reaches the method;
// - the judges': an action backbone, and an attacker backbone that learns the private attributes
//   themselves: an adversary who knows what to look for is the worst case for privacy.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { AugmentConfig } from '../data/augment.js';
import { UsageError } from '../data/errors.js';
import {
  FrameReader,
  holdOut,
  type ImageSet,
  memoryImageSet,
  memoryVideoSet,
  type Part,
  tensorOf,
  type VideoSet,
} from '../data/loader/index.js';
import {
  backboneActionsOf,
  attributesOf,
  camelName,
  synthClip,
  synthImage,
  VISPR_ID,
} from '../data/synthpar/index.js';
import type { ProtocolConfig } from '../eval/protocol.js';
import { imageLogits, infer, videoTop1 } from '../method/inference.js';
import { attributeMetrics } from '../method/metrics.js';
import { instanceMatch } from '../method/minimax.js';
import { ntXent } from '../method/losses.js';
import { fit } from '../method/step.js';
import { createModel, saveCheckpoint } from '../models/index.js';
import * as T from '../torch/index.js';
import { writeFileAtomic } from '../torch/index.js';
import type { DataConfig } from './data.js';
import { type RunOutput, SILENT } from './progress.js';

export interface BackboneConfig {
  /** Seed of the separate draw; never the experiment's own data seed. */
  seed: number;
  /**
   * What the privacy backbone learns: 'attacker', the attributes (BCE: the judges' worst case);
   * 'ssl', NT-Xent on two views of each image, no label (the method's f_B starts there).
   */
  privacy: 'attacker' | 'ssl';
  clips: number;
  images: number;
  actionEpochs: number;
  attackerEpochs: number;
  /** Clips and images per batch. */
  clipsPerBatch: number;
  imagesPerBatch: number;
  /** Adam's peak learning rate (cosine schedule): the privacy backbone's, and the action one's. */
  lr: number;
  actionLr: number;
  /** The SSL backbone's two views (f_B's NT-Xent views); the attacker sees whole images. */
  viewAugment?: AugmentConfig;
}

export interface Backbones {
  action: string;
  /** The privacy backbone's file, and what it learned (BackboneConfig.privacy). */
  privacy: string;
  privacyKind: BackboneConfig['privacy'];
  /**
   * On every 10th item of the draw, held out, raw: the action backbone's top-1, and the attacker's
   * cMAP or the SSL backbone's instance-match accuracy (whichever it is).
   */
  heldOut: { top1: number; cmap: number | null; match: number | null };
  seconds: number;
}

/** NT-Xent's temperature for the SSL backbone, as f_B's own pre-training (the paper's 0.1). */
const SSL_TEMPERATURE = 0.1;

/** The backbone draw in memory, as the readers would give it: every 10th item held out. */
export function backboneSets(
  d: Pick<DataConfig, 'variant' | 'width' | 'height' | 'frames'>,
  b: Pick<BackboneConfig, 'seed' | 'clips' | 'images'>,
  reader: FrameReader,
): { videos: { train: VideoSet; val: VideoSet }; images: { train: ImageSet; val: ImageSet } } {
  const s = { seed: b.seed, variant: d.variant, width: d.width, height: d.height };
  const name = `SynthPAR backbone draw (seed ${b.seed})`;
  const videos = memoryVideoSet(
    {
      name,
      reader,
      classes: backboneActionsOf(d.variant).map((a) => camelName(a.id)),
      width: d.width,
      height: d.height,
    },
    Array.from({ length: b.clips }, (_, i) => {
      const c = synthClip({ ...s, frames: d.frames, actions: backboneActionsOf(d.variant) }, i);
      return { id: `clip-${i}`, label: c.label, frames: c.frames, boxes: c.boxes };
    }),
  );
  const images = memoryImageSet(
    {
      name,
      reader,
      attributes: attributesOf(d.variant).map((a) => VISPR_ID[a]),
      width: d.width,
      height: d.height,
    },
    Array.from({ length: b.images }, (_, i) => {
      const im = synthImage(s, i);
      return { id: `image-${i}`, labels: im.labels, data: im.data, boxes: im.boxes };
    }),
  );
  return { videos: holdOut(videos, 10), images: holdOut(images, 10) };
}

/** A Backbones' own fields (backbones.json also holds its cache key). */
const fields = (m: Backbones): Backbones => ({
  action: m.action,
  privacy: m.privacy,
  privacyKind: m.privacyKind,
  heldOut: m.heldOut,
  seconds: m.seconds,
});

/** The backbones a folder holds (written by `pretrainBackbones`), for `--backbones DIR`. */
export function readBackbones(dir: string): Backbones {
  const meta = join(dir, 'backbones.json');
  if (!existsSync(meta))
    throw new Error(`--backbones: ${meta} not found; 'veil pretrain backbones' (or 'veil demo') writes one`);
  const m = JSON.parse(readFileSync(meta, 'utf8')) as Backbones;
  if (!m.privacy || (m.privacyKind !== 'attacker' && m.privacyKind !== 'ssl'))
    throw new Error(`--backbones: ${meta} is from an older veil (no privacyKind); train them again`);
  for (const f of [m.action, m.privacy])
    if (!existsSync(f)) throw new Error(`--backbones: ${meta} names ${f}, which is missing`);
  return fields(m);
}

/** What the cache is keyed on: everything that changes the weights. */
function cacheKey(d: DataConfig, p: ProtocolConfig, b: BackboneConfig): string {
  const { variant, width, height, frames } = d;
  const { actionModel, actionOptions, attackerModel, attackerOptions, clip, imageSize } = p;
  const { clipAugment, imageAugment } = p;
  return JSON.stringify({
    data: { variant, width, height, frames },
    nets: { actionModel, actionOptions, attackerModel, attackerOptions },
    inputs: { clip, imageSize, clipAugment, imageAugment },
    b,
  });
}

/**
 * Trains (or finds, when `dir` already holds the same ones) the action and privacy backbones of
 * the protocol's architectures on the draw `b.seed`, and returns their weight files. The draw is
 * rendered in memory and read through `reader` (a reader of its own when not given).
 */
export async function pretrainBackbones(
  dir: string,
  d: DataConfig,
  p: ProtocolConfig,
  b: BackboneConfig,
  output: RunOutput = SILENT,
  reader?: FrameReader,
): Promise<Backbones> {
  const own = reader ? null : new FrameReader();
  try {
    return await train(reader ?? (own as FrameReader));
  } finally {
    await own?.close();
  }

  async function train(reader: FrameReader): Promise<Backbones> {
    const log = (s: string): void => output.log(s);
    if (b.seed === d.seed) throw new Error(`backbones: seed ${b.seed} is the experiment's own data seed`);
    const meta = join(dir, 'backbones.json');
    const key = cacheKey(d, p, b);
    if (existsSync(meta)) {
      const m = JSON.parse(readFileSync(meta, 'utf8')) as Backbones & { key: string };
      if (m.key === key && existsSync(m.action) && existsSync(m.privacy)) {
        log(`backbones: reusing ${dir}`);
        return fields(m);
      }
    }
    const t0 = Date.now();
    const sets = backboneSets(d, b, reader);
    const { train: clips, val: valClips } = sets.videos;
    const { train: images, val: valImages } = sets.images;
    // A draw with fewer training items than a batch would train a backbone on nothing (fit refuses
    // it): said before anything is written, with the flag of `veil pretrain backbones` that sizes it.
    const short = (n: number, batch: number, flag: string, what: string, of: number): string =>
      `--backbone-${flag} ${of}: the backbone draw's ${n} training ${flag} (the rest held out) make no batch of ` +
      `${batch}, so the ${what} would take no step; draw more`;
    if (clips.items.length < b.clipsPerBatch)
      throw new UsageError(short(clips.items.length, b.clipsPerBatch, 'clips', 'action backbone', b.clips));
    if (images.items.length < b.imagesPerBatch)
      throw new UsageError(
        short(images.items.length, b.imagesPerBatch, 'images', 'privacy backbone', b.images),
      );
    mkdirSync(dir, { recursive: true });
    const bar = output.bar(
      'backbones',
      b.actionEpochs * Math.floor(clips.items.length / b.clipsPerBatch) +
        b.attackerEpochs * Math.floor(images.items.length / b.imagesPerBatch),
    );

    T.manualSeed(b.seed);
    const action = createModel(p.actionModel, { ...p.actionOptions, classes: clips.classes.length }).to(
      p.device,
    );
    const clipParts = (idx: number[]): Part[] => [
      { kind: 'train-clips', set: clips, idx, shape: p.clip, augment: p.clipAugment },
    ];
    const ce = (x: T.Tensor[][]): T.Tensor =>
      T.crossEntropy(action.forward(tensorOf(x, 0)), tensorOf(x, 0, 1));
    const fitOptions = { lr: b.lr, seed: b.seed, autocast: p.autocast, cosine: true };
    await fit(
      action,
      {
        ...fitOptions,
        lr: b.actionLr,
        epochs: b.actionEpochs,
        n: clips.items.length,
        batch: b.clipsPerBatch,
        key: 'backbone-action',
      },
      clipParts,
      ce,
      () => bar.tick('action backbone (raw clips of the backbone draw)'),
    );
    action.eval();
    const top1 = await videoTop1((x) => infer((v) => action.forward(v), x, p.autocast), valClips, p);

    const ssl = b.privacy === 'ssl';
    const privacy = createModel(p.attackerModel, {
      ...p.attackerOptions,
      ...(ssl ? { head: 'projection' } : { head: 'classifier', classes: images.attributes.length }),
    }).to(p.device);
    const what = ssl ? 'privacy backbone (NT-Xent, no labels)' : 'attacker backbone (the attributes)';
    const imageParts = (idx: number[]): Part[] => [
      ssl
        ? {
            kind: 'images',
            set: images,
            idx,
            size: p.imageSize,
            augment: b.viewAugment ?? p.imageAugment,
            views: 2,
          }
        : {
            kind: 'images',
            set: images,
            idx,
            size: p.imageSize,
            augment: p.imageAugment,
            views: 1,
            targets: true,
          },
    ];
    const loss = ssl
      ? (x: T.Tensor[][]): T.Tensor =>
          ntXent(privacy.forward(tensorOf(x, 0, 0)), privacy.forward(tensorOf(x, 0, 1)), SSL_TEMPERATURE)
      : (x: T.Tensor[][]): T.Tensor =>
          T.binaryCrossEntropyWithLogits(privacy.forward(tensorOf(x, 0)), tensorOf(x, 0, 1));
    await fit(
      privacy,
      {
        ...fitOptions,
        epochs: b.attackerEpochs,
        n: images.items.length,
        batch: b.imagesPerBatch,
        key: ssl ? 'backbone-ssl' : 'backbone-attacker',
      },
      imageParts,
      loss,
      () => bar.tick(`${what}, raw images of the backbone draw`),
    );
    privacy.eval();
    const cmap = ssl
      ? null
      : attributeMetrics(
          await imageLogits(
            (x) => infer((v) => privacy.forward(v), x, p.autocast),
            valImages,
            p.imageSize,
            p.device,
          ),
          valImages.items.map((im) => im.labels),
        ).cmap;
    const match = ssl
      ? await instanceMatch((v) => privacy.forward(v), valImages, {
          imageSize: p.imageSize,
          viewAugment: b.viewAugment ?? p.imageAugment,
          autocast: p.autocast,
          seed: b.seed,
          device: p.device,
        })
      : null;
    bar.finish();

    const out: Backbones = {
      action: join(dir, 'action.safetensors'),
      privacy: join(dir, ssl ? 'privacy-ssl.safetensors' : 'attacker.safetensors'),
      privacyKind: b.privacy,
      heldOut: { top1, cmap, match },
      seconds: (Date.now() - t0) / 1000,
    };
    const input = { height: p.imageSize, width: p.imageSize };
    const config = JSON.parse(key) as unknown;
    saveCheckpoint(out.action, action, { input, config, extra: { role: 'backbone-action' } });
    saveCheckpoint(out.privacy, privacy, { input, config, extra: { role: `backbone-${b.privacy}` } });
    action.dispose();
    privacy.dispose();
    writeFileAtomic(meta, [Buffer.from(JSON.stringify({ ...out, key }, null, 2) + '\n')]);
    const score = ssl
      ? `instance match ${(Number(match) * 100).toFixed(1)}%`
      : `cMAP ${(Number(cmap) * 100).toFixed(1)}%`;
    log(
      `backbones (${dir}): held-out raw top-1 ${(top1 * 100).toFixed(1)}%, ${score} (${out.seconds.toFixed(0)} s)`,
    );
    return out;
  }
}
