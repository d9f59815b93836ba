// The evaluation protocol: f_A is frozen and judged by fresh models trained on what it outputs.
// Action: a new f_T trained on anonymized training clips, video-level top-1 on the anonymized test
// videos (mean softmax over 5 clips). Privacy: a new multi-label attacker trained with BCE on
// anonymized training images; cMAP and F1 on anonymized test images, at its best epoch (the worst
// case for privacy). Privacy is what this attacker sees, never the co-trained f_B's loss.
import type { AugmentConfig } from '../data/augment.js';
import { type ClipShape, type ImageSet, type Part, tensorOf, type VideoSet } from '../data/loader/index.js';
import { imageLogits, infer, videoScores } from '../method/inference.js';
import { attributeMetrics, type AttributeMetrics, hits, top1 } from '../method/metrics.js';
import { fit, type FitOptions } from '../method/step.js';
import { createModel, loadBackbone, type Network } from '../models/index.js';
import * as T from '../torch/index.js';

export interface ProtocolConfig {
  actionModel: string;
  actionOptions: Record<string, unknown>;
  attackerModel: string;
  attackerOptions: Record<string, unknown>;
  /**
   * Pre-trained backbones the fresh judges start from, head excluded (SPAct's fresh f_T starts from
   * Kinetics-400, its attacker from ImageNet); null trains from scratch.
   */
  actionInit: string | null;
  attackerInit: string | null;
  actionEpochs: number;
  /**
   * Epochs of the action judge's fresh head alone (the backbone frozen) before every layer is
   * fine-tuned (linear probing, then fine-tuning): gradients through a random head scramble the
   * backbone's features first. 0: fine-tune everything from the start.
   */
  headEpochs: number;
  /** The head's learning rate in those epochs (a linear probe takes larger steps than fine-tuning). */
  headLr: number;
  attackerEpochs: number;
  clipsPerBatch: number;
  imagesPerBatch: number;
  /** Adam's learning rates of the fresh attacker and of the fresh action model. */
  lr: number;
  actionLr: number;
  clip: ClipShape;
  imageSize: number;
  clipAugment: AugmentConfig;
  imageAugment: AugmentConfig;
  /** Test clips per video (5 in the paper). */
  testClips: number;
  autocast: boolean;
  /** Where the fresh judges train and are scored; not part of what they are (left out of cache keys). */
  device: T.Device;
}

export type Tick = (what: string) => void;

export interface ActionJudgement {
  top1: number;
  /** Per test video, 1 when its prediction is right: what the bootstrap interval resamples. */
  correct: number[];
  trainLoss: number[];
}

/** Steps of judgeAction and judgeAttacker, for progress bars. */
export function judgeSteps(c: ProtocolConfig, trainVideos: number, trainImages: number): number {
  return (
    (c.actionEpochs + (c.actionInit ? c.headEpochs : 0)) * Math.floor(trainVideos / c.clipsPerBatch) +
    c.attackerEpochs * Math.floor(trainImages / c.imagesPerBatch)
  );
}

export async function judgeAction(
  train: VideoSet,
  test: VideoSet,
  c: ProtocolConfig,
  seed: number,
  tick: Tick = () => {},
): Promise<ActionJudgement> {
  T.manualSeed(seed);
  const fT = createModel(c.actionModel, { ...c.actionOptions, classes: train.classes.length });
  if (c.actionInit) loadBackbone(fT, c.actionInit);
  fT.to(c.device);
  const clips = (idx: number[]): Part[] => [
    { kind: 'train-clips', set: train, idx, shape: c.clip, augment: c.clipAugment },
  ];
  const ce = (b: T.Tensor[][]): T.Tensor => T.crossEntropy(fT.forward(tensorOf(b, 0)), tensorOf(b, 0, 1));
  const o = {
    lr: c.actionLr,
    epochs: c.actionEpochs,
    n: train.items.length,
    batch: c.clipsPerBatch,
    key: 'judge-action',
    seed,
    autocast: c.autocast,
  };
  const trainLoss: number[] = [];
  if (c.actionInit && c.headEpochs > 0) {
    // The head the backbone did not bring (loadBackbone skips 'fc.') learns first, alone.
    const head = fT.namedParameters().filter(([k]) => k.startsWith('fc.'));
    fT.freeze();
    for (const [, p] of head) p.requiresGrad = true;
    const probe = {
      ...o,
      lr: c.headLr,
      epochs: c.headEpochs,
      key: 'judge-action-head',
      params: head.map(([, p]) => p),
    };
    trainLoss.push(...(await fit(fT, probe, clips, ce, () => tick('action judge'))));
    fT.freeze(false);
  }
  trainLoss.push(...(await fit(fT, o, clips, ce, () => tick('action judge'))));
  fT.eval();
  // Evaluated in float32 whatever the training ran in: bf16 logits tie, and ties move AP and top-1.
  const scores = await videoScores((x) => infer((v) => fT.forward(v), x, false), test, c);
  fT.dispose();
  const correct = hits(
    scores,
    test.items.map((v) => v.label),
  );
  return {
    top1: top1(
      scores,
      test.items.map((v) => v.label),
    ),
    correct,
    trainLoss,
  };
}

export interface PrivacyJudgement {
  /** The attacker's best test epoch (highest cMAP): the worst case for privacy. */
  best: AttributeMetrics;
  bestEpoch: number;
  /** The best epoch's logits per test image: what the bootstrap interval resamples. */
  bestScores: number[][];
  perEpoch: { cmap: number; f1: number; loss: number }[];
}

export async function judgeAttacker(
  train: ImageSet,
  test: ImageSet,
  c: ProtocolConfig,
  seed: number,
  tick: Tick = () => {},
): Promise<PrivacyJudgement> {
  T.manualSeed(seed);
  const attacker = createModel(c.attackerModel, {
    ...c.attackerOptions,
    head: 'classifier',
    classes: train.attributes.length,
  });
  if (c.attackerInit) loadBackbone(attacker, c.attackerInit);
  attacker.to(c.device);
  const views = (idx: number[]): Part[] => [
    { kind: 'images', set: train, idx, size: c.imageSize, augment: c.imageAugment, views: 1, targets: true },
  ];
  const o = {
    lr: c.lr,
    epochs: c.attackerEpochs,
    n: train.items.length,
    batch: c.imagesPerBatch,
    key: 'judge-attacker',
    seed,
    autocast: c.autocast,
  };
  const on: AttackerData = {
    parts: views,
    targets: 1,
    score: (predict) => imageLogits(predict, test, c.imageSize, c.device),
    labels: test.items.map((im) => im.labels),
  };
  return fitAttacker(attacker, o, on, () => tick('privacy attacker'));
}

/** What a fresh attacker trains on and is scored on: images (judgeAttacker) or videos (VP-*). */
export interface AttackerData {
  /** The parts of a training batch of these indices; part 0's tensor `targets` holds the labels. */
  parts: (idx: number[]) => Part[];
  targets: number;
  /** Logits per test item (image or video), from the attacker's logits on a batch. */
  score: (predict: (x: T.Tensor) => number[][]) => Promise<number[][]>;
  /** Each test item's attribute labels, in the order `score` gives them. */
  labels: readonly (ArrayLike<number> & Iterable<number>)[];
}

/**
 * Trains a fresh attacker with BCE and scores it on the test items after every epoch, keeping its
 * best epoch (highest cMAP): the worst case for privacy. The image and the video attacker both
 * judge this way. The attacker is disposed.
 */
export async function fitAttacker(
  attacker: Network,
  o: FitOptions,
  on: AttackerData,
  tick: () => void,
): Promise<PrivacyJudgement> {
  const bce = (b: T.Tensor[][]): T.Tensor =>
    T.binaryCrossEntropyWithLogits(attacker.forward(tensorOf(b, 0)), tensorOf(b, 0, on.targets));
  const perEpoch: PrivacyJudgement['perEpoch'] = [];
  let best: AttributeMetrics | null = null;
  let bestEpoch = -1;
  let bestScores: number[][] = [];
  const scoreEpoch = async (epoch: number, loss: number): Promise<void> => {
    attacker.eval();
    // Scored in float32 whatever the training ran in: bf16 logits tie, and ties move AP.
    const scores = await on.score((x) => infer((v) => attacker.forward(v), x, false));
    const m = attributeMetrics(scores, on.labels);
    perEpoch.push({ cmap: m.cmap, f1: m.f1, loss });
    if (!best || m.cmap > best.cmap) {
      best = m;
      bestEpoch = epoch;
      bestScores = scores;
    }
  };
  await fit(attacker, o, on.parts, bce, tick, scoreEpoch);
  attacker.dispose();
  if (!best) throw new Error(`${o.key}: the attacker needs at least 1 epoch (attackerEpochs)`);
  return { best, bestEpoch, bestScores, perEpoch };
}
