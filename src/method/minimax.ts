// The two-step minimax (the paper's Algorithm 1). Over zip(action batches, privacy batches),
// consecutive batches alternate:
//   step 1 (even batch): f_A learns, f_T and f_B frozen in eval mode:
//            L_A = w_T L_T - w_B L_B + lambda L_penalty,  L_penalty = max(0, RMS(X - f_A(X)) - B)
//   step 2 (odd batch):  f_A frozen (no grad); f_T learns L_T, f_B learns L_B on anonymized data.
// With lambdaRule 'dual' (beyond the paper) lambda is a Lagrange multiplier of RMS <= B: after each
// step 1 it moves by dualLr times the batch's excess RMS - B, never below 0.
// Every epoch logs the losses, validates the co-trained branches, and checkpoints (exact resume);
// the f_A to keep is chosen by a stated rule on the validation split, never on test.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { UsageError } from '../data/errors.js';
import {
  batchOrder,
  BatchStream,
  drawBatch,
  type ImageSet,
  type Part,
  tensorOf,
  type VideoSet,
} from '../data/loader/index.js';
import { Rng } from '../data/rng.js';
import { anonymizeClip, saveCheckpoint } from '../models/index.js';
import * as T from '../torch/index.js';
import { Adversaries } from './adversaries.js';
import { type MethodConfig, withDefaults } from './config.js';
import { infer, videoTop1 } from './inference.js';
import { anonymizerLoss, distortion, penaltyLoss, rmsDistortion } from './losses.js';
import { type Networks, privacyViews, type Tick, trainClips } from './pretrain.js';
import { stepOn } from './step.js';
import { loadTrainState, saveTrainState } from './train_state.js';

export interface MinimaxData {
  trainVideos: VideoSet;
  valVideos: VideoSet;
  trainImages: ImageSet;
  valImages: ImageSet;
}

/** One epoch's means: step-1 losses (f_A's view) and step-2 losses (f_T's and f_B's), and validation. */
export interface EpochLog {
  epoch: number;
  LA: number;
  LT: number;
  LB: number;
  Lpenalty: number;
  rms: number;
  /** Step 2: the co-trained f_T's and f_B's own training losses. */
  LT2: number;
  LB2: number;
  /** lambda at the epoch's end (moves only under lambdaRule 'dual'). */
  lambda: number;
  /**
   * Co-trained f_T's top-1, f_B's instance-match accuracy (privacyMatch), f_A's RMS distortion, and
   * the distortion B bounds where that is not RMS (MethodConfig.distortion).
   */
  val: { top1: number; privacyMatch: number; rms: number; distortion?: number };
}

interface Sums {
  LA: number;
  LT: number;
  LB: number;
  Lpenalty: number;
  rms: number;
  LT2: number;
  LB2: number;
  n1: number;
  n2: number;
}

/** One batch's losses: step 1 (f_A's update) or step 2 (f_T's and f_B's). */
export interface StepLog {
  epoch: number;
  /** Global step: batches since the start of training. */
  step: number;
  phase: 1 | 2;
  losses: Record<string, number>;
  /** Seconds the step took, of which `wait` went on waiting for its batch. */
  seconds: number;
  wait: number;
}

export interface MinimaxState {
  epoch: number;
  /** The next batch of `epoch` to run. */
  batch: number;
  sums: Sums;
  history: EpochLog[];
  /** The weight of L_penalty now: c.lambda, or where dual ascent has taken it. */
  lambda: number;
}

export const SELECTION_RULE =
  'the epoch with the highest validation score = (co-trained f_T top-1 on anonymized validation videos) - ' +
  "(f_B's instance-match accuracy on anonymized validation images: how often an image's two views are each " +
  "other's nearest neighbour, no privacy label used); ties go to the later epoch. The same rule for every run, " +
  'SPAct included: the budget B acts through L_penalty alone, never through the choice of epoch';

/**
 * Index into history of the epoch SELECTION_RULE keeps. One rule for SPAct and every B: a budget
 * that also filtered epochs would do the penalty's work for it, and hide whether the hinge holds.
 */
export function selectEpoch(history: readonly EpochLog[]): number {
  if (history.length === 0) throw new Error('selectEpoch: no epochs were trained');
  const score = (e: EpochLog): number => e.val.top1 - e.val.privacyMatch;
  return history.reduce((a, e, i) => (score(e) >= score(history[a] as EpochLog) ? i : a), 0);
}

/** JSON with every object's keys sorted: configs compare by content, not by the order fields were added. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x,
  );
}

const zeroSums = (): Sums => ({ LA: 0, LT: 0, LB: 0, Lpenalty: 0, rms: 0, LT2: 0, LB2: 0, n1: 0, n2: 0 });

/**
 * How well `embed` (images to L2-normalised embeddings) tells images apart, without a privacy
 * label (SPAct's premise: none reaches the method): two fixed augmented views of each image; the
 * share of views whose nearest neighbour (cosine) among the other view's embeddings is their own
 * image's. 1: every image recognisable; 1/N: none.
 */
export async function instanceMatch(
  embed: (x: T.Tensor) => T.Tensor,
  set: ImageSet,
  o: {
    imageSize: number;
    viewAugment: MethodConfig['viewAugment'];
    autocast: boolean;
    seed: number;
    device: T.Device;
  },
): Promise<number> {
  const rng = new Rng('instance-match-views', o.seed); // the same views every call: comparable scores
  const z1: number[][] = [];
  const z2: number[][] = [];
  const chunks = batchOrder(set.items.length, 64, null, false);
  const views = (idx: number[]): Part[] => [
    { kind: 'images', set, idx, size: o.imageSize, augment: o.viewAugment, views: 2 },
  ];
  const stream = new BatchStream(
    chunks.length,
    (j) => views(chunks[j] as number[]),
    { shared: rng },
    o.device,
  );
  for (let j = 0; j < chunks.length; j++) {
    const b = await stream.nextBatch();
    try {
      z1.push(...T.tidy(() => infer(embed, tensorOf(b, 0, 0), o.autocast)));
      z2.push(...T.tidy(() => infer(embed, tensorOf(b, 0, 1), o.autocast)));
    } finally {
      T.dispose(b);
    }
  }
  const dot = (a: number[], b: number[]): number => a.reduce((s, v, d) => s + v * (b[d] as number), 0);
  const nearest = (q: number[], to: number[][]): number =>
    to.reduce((best, z, j) => (dot(q, z) > dot(q, to[best] as number[]) ? j : best), 0);
  const hits = (from: number[][], to: number[][]): number =>
    from.filter((q, i) => nearest(q, to) === i).length;
  return (hits(z1, z2) + hits(z2, z1)) / (2 * Math.max(1, set.items.length));
}

/** What the co-trained f_B can still tell apart after f_A, on the validation images. */
export function privacyMatch(n: Networks, val: ImageSet, c: MethodConfig): Promise<number> {
  n.fA.eval();
  n.fB.eval();
  return instanceMatch((v) => n.fB.forward(n.fA.forward(v)), val, c);
}

async function validate(
  n: Networks,
  adv: Adversaries,
  d: MinimaxData,
  c: MethodConfig,
): Promise<EpochLog['val']> {
  n.fA.eval();
  n.fT.eval();
  // No more clips per pass than a training batch holds (with gradients there, none here): 8
  // videos of 5 test clips, the default, are 640 frames through f_A at once at the paper's 16
  // frames, several GiB of UNet++ activations at 224x224 (at 112x112 on 4 validation videos it
  // was most of a 6.8 GiB peak).
  const testClips = 5;
  const top1 = await videoTop1(
    (x) => infer((v) => n.fT.forward(anonymizeClip(n.fA, v)), x, c.autocast),
    d.valVideos,
    { clip: c.clip, testClips, device: c.device },
    Math.max(1, Math.floor(c.clipsPerBatch / testClips)),
  );
  // Distortion on the first validation videos' centre clips (a training batch's worth).
  const idx = d.valVideos.items.slice(0, c.clipsPerBatch).map((_, i) => i);
  const centre = drawBatch([{ kind: 'test-clips', set: d.valVideos, idx, shape: c.clip, clips: 1 }], null);
  await centre.ready;
  const b = centre.take(c.device);
  const [rms, budgeted] = T.tidy(() =>
    T.noGrad(() => {
      const x = tensorOf(b, 0);
      const xa = anonymizeClip(n.fA, x);
      const kind = c.distortion ?? 'rms';
      return [rmsDistortion(x, xa).item(), kind === 'rms' ? null : distortion(x, xa, kind).item()];
    }),
  );
  T.dispose(b);
  // With an ensemble, the best attacker among its members.
  const matches: number[] = [];
  for (const fB of adv.members) matches.push(await privacyMatch({ ...n, fB }, d.valImages, c));
  return {
    top1,
    privacyMatch: Math.max(...matches),
    rms,
    ...(budgeted === null ? {} : { distortion: budgeted }),
  };
}

export interface MinimaxRun {
  /** Folder for checkpoints, per-epoch f_A weights and the selected f_A. */
  dir: string;
  /** Continue from dir/last.safetensors when it exists. */
  resume: boolean;
  tick?: Tick;
  onStep?: (log: StepLog) => void;
  /** After each epoch's validation, with the global step it ends at and the epoch's loader wait. */
  onEpoch?: (log: EpochLog, step: number, loader: LoaderTime) => void;
  /** Stop after this many steps (checkpointed: resume continues), as a time-boxed run does. */
  maxSteps?: number;
}

/** Seconds of training steps, and of those the seconds spent waiting for their batches. */
export interface LoaderTime {
  wait: number;
  seconds: number;
}

export interface MinimaxResult {
  history: EpochLog[];
  selectedEpoch: number;
  rule: string;
  /** The selected f_A's weights ('' when stopped). */
  fAPath: string;
  /** Stopped after run.maxSteps steps, before the last epoch ended (nothing selected yet). */
  stopped: boolean;
  /** This call's steps, and how long they waited for the loader. */
  loader: LoaderTime;
}

/** f_A as `veil anonymize` takes it: the checkpoint format, with its training size and config. */
function saveFA(file: string, fA: Networks['fA'], c: MethodConfig, epoch: number): void {
  const input = { height: c.clip.size, width: c.clip.size };
  saveCheckpoint(file, fA, { input, config: c, extra: { role: 'f_A', epoch: String(epoch) } });
}

/** Batches per epoch: the shorter of the two streams (zip). */
export function minimaxBatches(d: MinimaxData, c: MethodConfig): number {
  return Math.min(
    Math.floor(d.trainVideos.items.length / c.clipsPerBatch),
    Math.floor(d.trainImages.items.length / c.imagesPerBatch),
  );
}

export async function trainMinimax(
  n: Networks,
  d: MinimaxData,
  c: MethodConfig,
  run: MinimaxRun,
): Promise<MinimaxResult> {
  const { fA, fT, fB } = n;
  mkdirSync(run.dir, { recursive: true });
  T.sweepStaleTemp(run.dir); // a killed run's half-written checkpoint
  const tick = run.tick ?? (() => {});
  const optA = T.Adam(fA.parameters(), { lr: c.lrA });
  const optT = T.Adam(fT.parameters(), { lr: c.lrT });
  const optB = T.Adam(fB.parameters(), { lr: c.lrB });
  // Before a resume loads its state: the ensemble's and the restarts' start is the pre-trained f_B.
  const adv = new Adversaries(fB, optB, c);
  const nets = { fA, fT, fB, ...adv.nets() };
  const optims = { optA, optT, optB, ...adv.optimizers() };
  const last = join(run.dir, 'last.safetensors');
  let s: MinimaxState = { epoch: 0, batch: 0, sums: zeroSums(), history: [], lambda: c.lambda };
  if (run.resume && existsSync(last)) {
    // Continuing under other settings would mix two runs in one (the budget, the rates, the
    // networks); only how long to train, how often to checkpoint and on which device may change.
    const same = (x: MethodConfig): string =>
      canonical({ ...withDefaults(x), epochs: 0, checkpointEvery: 0, device: undefined });
    const saved = JSON.parse(T.readSafetensorsHeader(last).metadata.config ?? 'null') as MethodConfig | null;
    if (!saved || same(saved) !== same(c))
      throw new UsageError(
        `${last} was saved by a run with another config; resume it with the same settings, or start again (veil train --overwrite)`,
      );
    s = loadTrainState<MinimaxState>(last, nets, optims).state;
  }
  const nBatches = minimaxBatches(d, c);
  if (d.valVideos.items.length === 0 || d.valImages.items.length === 0)
    throw new Error(
      'minimax: the validation split is empty (checkpoint selection needs it); hold out more videos',
    );
  if (nBatches < 2)
    throw new Error('minimax: fewer than 2 batches per epoch; lower clipsPerBatch/imagesPerBatch');

  const loader = { wait: 0, seconds: 0 };
  let steps = 0;
  /** Stopped early (--max-steps, or a stop between batches): checkpointed, nothing selected yet. */
  const stopped = (): MinimaxResult => {
    adv.dispose();
    return { history: s.history, selectedEpoch: -1, rule: SELECTION_RULE, fAPath: '', stopped: true, loader };
  };
  for (; s.epoch < c.epochs; s.epoch++, s.batch = 0, s.sums = zeroSums()) {
    // The epoch's orders come from (seed, epoch), each batch's augmentation from (seed, epoch, batch):
    // any batch can be rebuilt on resume without replaying the ones before it.
    const order = new Rng('minimax-order', c.seed, s.epoch);
    const clipOrder = batchOrder(d.trainVideos.items.length, c.clipsPerBatch, order, true);
    const imageOrder = batchOrder(d.trainImages.items.length, c.imagesPerBatch, order, true);
    const first = s.batch;
    const epoch = s.epoch;
    const epochLoader = { wait: 0, seconds: 0 };
    const stream = new BatchStream(
      nBatches - first,
      (j): Part[] => [
        trainClips(d.trainVideos, clipOrder[first + j] as number[], c),
        privacyViews(d.trainImages, imageOrder[first + j] as number[], c),
      ],
      { each: (j) => new Rng('minimax-batch', c.seed, epoch, first + j) },
      c.device,
    );
    for (; s.batch < nBatches; s.batch++) {
      const g = s.epoch * nBatches + s.batch;
      // Adversaries due for a restart are reset (and warmed up on the current f_A) before the batch.
      const restarted = Object.fromEntries(
        (await adv.maybeRestart(g, fA, d.trainImages)).flatMap((r) => [
          [`restart${r.member}`, 1],
          [`restartWarmup${r.member}`, r.warmupLoss],
        ]),
      );
      const t0 = performance.now();
      const waited = stream.waited;
      const b = await stream.nextBatch();
      const redo = (): Promise<T.Tensor[][]> => stream.redo();
      const sums = s.sums;
      let log: Omit<StepLog, 'seconds' | 'wait'>;
      try {
        if (s.batch % 2 === 0) {
          // Step 1: update f_A on L_A; f_T and f_B judge in eval mode and take no step.
          fA.train();
          fT.eval().freeze();
          adv.train(false);
          const parts = { LT: 0, LB: 0, Lpenalty: 0, rms: 0 };
          // What B bounds: the paper's RMS unless c.distortion says otherwise.
          const kind = c.distortion ?? 'rms';
          let D = 0;
          let members: Record<string, number> = {};
          const LA = await stepOn(
            optA,
            b,
            (batch) => {
              const x = tensorOf(batch, 0);
              const xa = anonymizeClip(fA, x);
              const LT = T.crossEntropy(fT.forward(xa), tensorOf(batch, 0, 1));
              // f_A faces the strongest adversary on each anchor (the paper: its one f_B).
              const LB = adv.anonymizerLoss(fA, batch, 1, (each) => {
                members = Object.fromEntries(each.map((l, m) => [`LB${m}`, l]));
              });
              const Lpenalty = penaltyLoss(x, xa, c.B, c.penaltyGrad, kind);
              parts.LT = LT.item();
              parts.LB = LB.item();
              parts.Lpenalty = Lpenalty.item();
              parts.rms = T.noGrad(() => rmsDistortion(x, xa).item());
              D = kind === 'rms' ? parts.rms : T.noGrad(() => distortion(x, xa, kind).item());
              return anonymizerLoss(LT, LB, Lpenalty, { wT: c.wT, wB: c.wB, lambda: s.lambda });
            },
            c.autocast,
            redo,
          );
          fT.freeze(false);
          adv.unfreeze();
          sums.LA += LA;
          sums.LT += parts.LT;
          sums.LB += parts.LB;
          sums.Lpenalty += parts.Lpenalty;
          sums.rms += parts.rms;
          sums.n1++;
          const lambda = s.lambda;
          if (c.lambdaRule === 'dual') s.lambda = Math.max(0, s.lambda + c.dualLr * (D - c.B));
          log = {
            epoch: s.epoch,
            step: s.epoch * nBatches + s.batch,
            phase: 1,
            losses: {
              LA,
              ...parts,
              ...(kind === 'rms' ? {} : { distortion: D }),
              lambda,
              ...members,
              ...restarted,
            },
          };
        } else {
          // Step 2: f_A frozen; f_T minimises L_T and f_B minimises L_B on anonymized data.
          fA.eval().freeze();
          fT.train();
          adv.train(true);
          const parts = { LT: 0, LB: 0 };
          await stepOn(
            [optT, ...adv.optims],
            b,
            (batch) => {
              const xa = T.noGrad(() => anonymizeClip(fA, tensorOf(batch, 0)));
              const LT = T.crossEntropy(fT.forward(xa), tensorOf(batch, 0, 1));
              const LB = adv.trainLoss(fA, batch, 1);
              parts.LT = LT.item();
              parts.LB = LB.item() / adv.members.length; // the members' mean
              return LT.add(LB);
            },
            c.autocast,
            redo,
          );
          fA.freeze(false);
          sums.LT2 += parts.LT;
          sums.LB2 += parts.LB;
          sums.n2++;
          log = {
            epoch: s.epoch,
            step: s.epoch * nBatches + s.batch,
            phase: 2,
            losses: { LT2: parts.LT, LB2: parts.LB, ...restarted },
          };
        }
      } finally {
        T.dispose(b);
      }
      const seconds = (performance.now() - t0) / 1000;
      const wait = stream.waited - waited;
      loader.wait += wait;
      loader.seconds += seconds;
      epochLoader.wait += wait;
      epochLoader.seconds += seconds;
      run.onStep?.({ ...log, seconds, wait });
      tick(`minimax epoch ${s.epoch + 1}/${c.epochs}`);
      steps++;
      const stop = run.maxSteps !== undefined && steps >= run.maxSteps;
      if (
        (stop || (c.checkpointEvery > 0 && (s.batch + 1) % c.checkpointEvery === 0)) &&
        s.batch + 1 < nBatches
      )
        saveTrainState(last, { state: { ...s, batch: s.batch + 1 }, nets, optims }, c);
      if (stop && s.batch + 1 < nBatches) return stopped();
    }
    const m = s.sums;
    const log: EpochLog = {
      epoch: s.epoch,
      LA: m.LA / Math.max(1, m.n1),
      LT: m.LT / Math.max(1, m.n1),
      LB: m.LB / Math.max(1, m.n1),
      Lpenalty: m.Lpenalty / Math.max(1, m.n1),
      rms: m.rms / Math.max(1, m.n1),
      LT2: m.LT2 / Math.max(1, m.n2),
      LB2: m.LB2 / Math.max(1, m.n2),
      lambda: s.lambda,
      val: await validate(n, adv, d, c),
    };
    s.history.push(log);
    run.onEpoch?.(log, (s.epoch + 1) * nBatches, epochLoader);
    saveFA(join(run.dir, `fA-epoch-${s.epoch}.safetensors`), fA, c, s.epoch);
    saveTrainState(
      last,
      { state: { ...s, epoch: s.epoch + 1, batch: 0, sums: zeroSums() }, nets, optims },
      c,
    );
    if (run.maxSteps !== undefined && steps >= run.maxSteps && s.epoch + 1 < c.epochs) return stopped();
  }

  adv.dispose();
  const fAPath = join(run.dir, 'fA.safetensors');
  if (s.history.length === 0) {
    // No minimax epochs: f_A stays as it came in (the pre-trained identity).
    saveFA(fAPath, fA, c, -1);
    return { history: [], selectedEpoch: -1, rule: SELECTION_RULE, fAPath, stopped: false, loader };
  }
  const selected = selectEpoch(s.history);
  copyFileSync(join(run.dir, `fA-epoch-${(s.history[selected] as EpochLog).epoch}.safetensors`), fAPath);
  return {
    history: s.history,
    selectedEpoch: selected,
    rule: SELECTION_RULE,
    fAPath,
    stopped: false,
    loader,
  };
}
