// One experiment, start to finish, as `veil demo` runs it and as the report reads it: SynthPAR on
// disk in the official layouts -> read back through the real readers -> pre-train f_A, f_B, f_T ->
// the minimax for SPAct (lambda 0) and every B of the sweep -> every anonymizer (baselines and
// learned) judged by the same protocol over N seeds -> results.json and the registry.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { firstVideos, FrameReader } from '../data/loader/index.js';
import { type GridRow, writeFrameGrid } from '../eval/report/grid.js';
import { judgeSteps, type ProtocolConfig } from '../eval/protocol.js';
import type { Goal } from '../eval/stats.js';
import { learned } from '../method/anonymize.js';
import { baselines } from '../method/baselines.js';
import { type MethodConfig, type NetChoice, validateConfig } from '../method/config.js';
import { minimaxBatches, type MinimaxData, SELECTION_RULE, trainMinimax } from '../method/minimax.js';
import { createNetworks, pretrainAction, pretrainAnonymizer, pretrainPrivacy } from '../method/pretrain.js';
import {
  createModel,
  loadAnonymizer,
  loadCheckpointInto,
  type Network,
  saveCheckpoint,
} from '../models/index.js';
import { manualSeed, writeFileAtomic } from '../torch/index.js';
import { hashSeed } from '../data/rng.js';
import { type BackboneConfig, type Backbones, pretrainBackbones } from './backbones.js';
import { type DataConfig, ensureSynthPAR, readSets, type Sets, synthparSource } from './data.js';
import { followRun } from './follow.js';
import { chanceOf, type Candidate, judgeCandidate, mergeSeeds, type MethodResult } from './judge.js';
import type { MethodKind } from './compare_row.js';
import { judgeNovel, type NovelResult } from './novel.js';
import { CONSOLE, type RunOutput } from './progress.js';
import { Registry } from './registry.js';

export interface ExperimentConfig {
  workspace: string;
  data: DataConfig;
  /** The method's settings; B and lambda are set per run of the sweep. */
  method: MethodConfig;
  /** B values of veil's sweep (lambda = method.lambda); SPAct is run with lambda 0. */
  sweep: number[];
  spact: boolean;
  /** More minimax runs, each veil with one change (the ablations of `veil demo --study ablations`). */
  ablations: Ablation[];
  protocol: ProtocolConfig;
  /** Evaluation seeds per baseline (fresh judges each). */
  seeds: number;
  /**
   * Minimax seeds per learned method (SPAct, each B): that many f_A's, each trained from the same
   * pre-trained networks with its own batch order and augmentation, each judged by its own fresh
   * judges; the spread of a learned row is over them.
   */
  minimaxSeeds: number;
  /** Every k-th training video is held out for validation (checkpoint selection). */
  valEvery: number;
  /** Pre-trained starting points of f_T, f_B and the judges (null: all from scratch). */
  /** The judges' backbones (their own draw; a worst-case attacker); null: judges from scratch. */
  backbones: BackboneConfig | null;
  /** f_T's and f_B's start (another draw; f_B's by NT-Xent alone); null: from scratch. */
  methodBackbones: BackboneConfig | null;
  /** Also judge raw data and the learned f_A on the other variant (the paper's novel protocol). */
  novel: boolean;
  /** A target drawn on the plot and checked in the report (`--study beyond`); null: none. */
  goal: Goal | null;
}

export interface Ablation {
  /** The report's row name, e.g. 'veil, B = 0.1, lambda 3'. */
  name: string;
  /** Its run folder under <workspace>/runs/. */
  dir: string;
  change: Partial<
    Pick<MethodConfig, 'B' | 'lambda' | 'lambdaRule' | 'penaltyGrad' | 'adversaries' | 'fA' | 'distortion'>
  >;
}

export interface ExperimentResult {
  config: ExperimentConfig;
  attributes: string[];
  /** The test images' attribute labels, for the cMAP intervals (one row per image). */
  testLabels: number[][];
  classes: string[];
  /** Chance levels: top-1 of guessing, cMAP of random scores (the attribute priors). */
  chance: { top1: number; cmap: number };
  pretrainLosses: { fA: number[]; fB: number[]; fT: number[] };
  backbones: Backbones | null;
  methodBackbones: Backbones | null;
  methods: MethodResult[];
  novel: NovelResult | null;
  selectionRule: string;
  seconds: number;
  timings: Record<string, number>;
}

/** f_T and f_B start from the method's backbones, the judges from their own (never the same). */
export function withBackbones(
  c: ExperimentConfig,
  method: Backbones | null,
  judges: Backbones | null,
): ExperimentConfig {
  if (method && method.privacyKind !== 'ssl')
    throw new Error(`${method.privacy}: f_B must start from a backbone trained without privacy labels`);
  if (method && judges && (method.action === judges.action || method.privacy === judges.privacy))
    throw new Error('the judges must not start from the weights the method started from');
  const m = c.method;
  return {
    ...c,
    method: {
      ...m,
      fT: { ...m.fT, backbone: method?.action },
      fB: { ...m.fB, backbone: method?.privacy, backboneHead: method ? true : undefined },
    },
    protocol: { ...c.protocol, actionInit: judges?.action ?? null, attackerInit: judges?.privacy ?? null },
  };
}

const sameNet = (a: NetChoice, b: NetChoice): boolean =>
  a.name === b.name && JSON.stringify(a.options) === JSON.stringify(b.options);

/** The f_A's of the runs other than the method's own, each once. */
function otherAnonymizers(c: ExperimentConfig, runs: readonly MinimaxRunSpec[]): NetChoice[] {
  const out: NetChoice[] = [];
  for (const r of runs)
    if (!sameNet(r.method.fA, c.method.fA) && !out.some((f) => sameNet(f, r.method.fA)))
      out.push(r.method.fA);
  return out;
}

/** The pre-trained f_A a run starts from: fA.safetensors, or fA-<name>-<options hash> for another f_A. */
export function anonymizerFile(m: MethodConfig, fA: NetChoice): string {
  if (sameNet(fA, m.fA)) return 'fA.safetensors';
  return `fA-${fA.name}-${hashSeed(JSON.stringify(fA.options)).toString(16)}.safetensors`;
}

/** A fresh f_A of the config, initialised from its seed as createNetworks would, on its device. */
function createAnonymizer(m: MethodConfig): Network {
  manualSeed(m.seed);
  return createModel(m.fA.name, m.fA.options).to(m.device);
}

/** The minimax runs of the experiment: SPAct first, then veil at each B. */
export function minimaxRuns(c: ExperimentConfig): MinimaxRunSpec[] {
  const runs: MinimaxRunSpec[] = [];
  if (c.spact)
    runs.push({
      name: 'SPAct (lambda 0)',
      kind: 'spact',
      B: null,
      dir: 'spact',
      method: { ...c.method, lambda: 0 },
    });
  for (const B of c.sweep)
    runs.push({ name: `veil, B = ${B}`, kind: 'veil', B, dir: `veil-B${B}`, method: { ...c.method, B } });
  for (const a of c.ablations) {
    const method = { ...c.method, ...a.change };
    runs.push({ name: a.name, kind: 'ablation', B: method.B, dir: a.dir, method });
  }
  return runs;
}

export interface MinimaxRunSpec {
  name: string;
  kind: MethodKind;
  B: number | null;
  /** Folder under <workspace>/runs/ (minimax seed k > 0: with -seed<k> appended). */
  dir: string;
  method: MethodConfig;
}

/** Sum of the steps each phase takes, for one overall progress bar. */
function plannedSteps(
  c: ExperimentConfig,
  s: Sets,
  judgings: number,
): { pretrain: number; minimax: number; judges: number } {
  const m = c.method;
  const p = m.pretrain;
  const poolImages =
    s.trainImages.items.length +
    Math.round(s.trainVideos.items.length * c.data.frames * p.actionFrameFraction);
  const d: MinimaxData = s;
  return {
    pretrain:
      (1 + otherAnonymizers(c, minimaxRuns(c)).length) *
        p.anonymizerEpochs *
        Math.floor(poolImages / p.batch) +
      p.privacyEpochs * Math.floor(s.trainImages.items.length / p.batch) +
      p.actionEpochs * Math.floor(s.trainVideos.items.length / m.clipsPerBatch),
    minimax: minimaxRuns(c).length * c.minimaxSeeds * m.epochs * minimaxBatches(d, m),
    judges: judgings * judgeSteps(c.protocol, s.trainVideos.items.length, s.trainImages.items.length),
  };
}

export async function runExperiment(c: ExperimentConfig, out: RunOutput = CONSOLE) {
  const log = (s: string): void => out.log(s);
  validateConfig(c.method);
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const lap = (k: string, since: number): number => (timings[k] = (Date.now() - since) / 1000);
  mkdirSync(c.workspace, { recursive: true });
  const registry = Registry.forWorkspace(c.workspace);
  const runId = registry.startRun('experiment', 'sweep', c);
  // One reader for every set of the run: one pool of loader workers, one bound on cached frames.
  const reader = new FrameReader();
  try {
    // 1. Data: SynthPAR written in the UCF101 and VISPR layouts, read back by the real readers.
    let t = Date.now();
    const root = join(c.workspace, 'synthpar');
    const gen = out.bar('SynthPAR write', c.data.clips + c.data.images);
    await ensureSynthPAR(root, c.data, () => gen.tick());
    gen.finish();
    const read = out.bar('read (UCF101 + VISPR readers)', c.data.clips + c.data.images);
    const sets = await readSets(synthparSource(root), c.data, c.valEvery, reader, () => read.tick());
    read.finish();
    lap('data', t);
    log(
      `data: ${sets.trainVideos.items.length} train / ${sets.valVideos.items.length} val / ${sets.testVideos.items.length} test videos, ` +
        `${sets.trainImages.items.length} / ${sets.valImages.items.length} / ${sets.testImages.items.length} images, ${c.data.width}x${c.data.height}`,
    );

    // 2. Backbones (the stand-in for Kinetics-400 / ImageNet weights) for f_T, f_B and the judges.
    t = Date.now();
    const bb = c.backbones
      ? await pretrainBackbones(
          join(c.workspace, 'backbones', 'judges'),
          c.data,
          c.protocol,
          c.backbones,
          out,
          reader,
        )
      : null;
    const mb = c.methodBackbones
      ? await pretrainBackbones(
          join(c.workspace, 'backbones', 'method'),
          c.data,
          c.protocol,
          c.methodBackbones,
          out,
          reader,
        )
      : null;
    c = withBackbones(c, mb, bb);
    lap('backbones', t);

    const learnedRuns = minimaxRuns(c);
    // Each run's own config is checked too: an ablation's change must make a valid one.
    for (const r of learnedRuns) validateConfig(r.method);
    const judgings = baselines().length * c.seeds + learnedRuns.length * c.minimaxSeeds;
    const steps = plannedSteps(c, sets, judgings);
    if (learnedRuns.length === 0) steps.pretrain = 0;
    const bar = out.bar('veil', steps.pretrain + steps.minimax + steps.judges);
    const tick = (what: string): void => bar.tick(what);

    // 3. Pre-training: f_A as an identity, f_B with NT-Xent, f_T on raw clips.
    t = Date.now();
    const m = c.method;
    const nets = createNetworks(m, sets.trainVideos.classes.length);
    // A study of the dataset alone (no minimax run) has nothing to pre-train.
    const some = learnedRuns.length > 0;
    const pretrainLosses = {
      fA: some ? await pretrainAnonymizer(nets.fA, sets.trainImages, sets.trainVideos, m, tick) : [],
      fB: some ? await pretrainPrivacy(nets.fB, sets.trainImages, m, tick) : [],
      fT: some ? await pretrainAction(nets.fT, sets.trainVideos, m, tick) : [],
    };
    const pre = join(c.workspace, 'pretrained');
    mkdirSync(pre, { recursive: true });
    const input = { height: m.clip.size, width: m.clip.size };
    if (some)
      for (const [k, net] of Object.entries(nets))
        saveCheckpoint(join(pre, `${k}.safetensors`), net, { input, config: m, extra: { role: k } });
    // A run with another f_A (the motion-aware one of --study beyond) starts from its own
    // identity, pre-trained the same way from the same seed.
    for (const fA of otherAnonymizers(c, learnedRuns)) {
      const mc = { ...m, fA };
      const net = createAnonymizer(mc);
      await pretrainAnonymizer(net, sets.trainImages, sets.trainVideos, mc, tick);
      saveCheckpoint(join(pre, anonymizerFile(m, fA)), net, { input, config: mc, extra: { role: 'fA' } });
      net.dispose();
    }
    lap('pretrain', t);

    // 4. The minimax for SPAct and each B, each from the same pre-trained networks.
    t = Date.now();
    const trained: {
      run: (typeof learnedRuns)[number];
      k: number;
      result: Awaited<ReturnType<typeof trainMinimax>>;
    }[] = [];
    const valVideos = {
      videos: await firstVideos(sets.valVideos, 4),
      width: c.data.width,
      height: c.data.height,
    };
    for (const run of learnedRuns)
      for (let k = 0; k < c.minimaxSeeds; k++) {
        // Minimax seed k: the same start, its own batch order and augmentation.
        const method = { ...run.method, seed: run.method.seed + k };
        const n = createNetworks(method, sets.trainVideos.classes.length);
        for (const [key, net] of Object.entries(n))
          loadCheckpointInto(
            net,
            join(pre, key === 'fA' ? anonymizerFile(m, method.fA) : `${key}.safetensors`),
          );
        const label = c.minimaxSeeds > 1 ? `${run.name} (minimax seed ${k})` : run.name;
        const dir = join(c.workspace, 'runs', k === 0 ? run.dir : `${run.dir}-seed${k}`);
        const id = registry.startRun('minimax', label, method, dir);
        const follow = followRun(dir, registry, id, method, { fA: n.fA, videos: valVideos });
        let result;
        try {
          result = await trainMinimax(n, sets, method, {
            dir,
            resume: true,
            tick: (w) => tick(`${label}: ${w}`),
            onStep: follow.onStep,
            onEpoch: follow.onEpoch,
          });
        } finally {
          follow.close();
        }
        registry.finishRun(id, 'done');
        trained.push({ run, k, result });
        for (const net of Object.values(n)) net.dispose();
      }
    for (const net of Object.values(nets)) net.dispose();
    lap('minimax', t);

    // 5. Every anonymizer through the same protocol: fresh f_T and fresh attacker per seed.
    t = Date.now();
    const candidates: Candidate[] = [
      ...baselines().map((a) => ({ a, kind: 'baseline' as const, B: null, extra: {} })),
      ...trained.map(({ run, k, result }) => {
        const { net: fA } = loadAnonymizer(result.fAPath);
        return {
          a: learned(run.name, fA.to(m.device), { autocast: m.autocast }),
          kind: run.kind,
          B: run.B,
          k,
          extra: { history: result.history, selectedEpoch: result.selectedEpoch, fAPath: result.fAPath },
        };
      }),
    ];
    const judged: MethodResult[] = [];
    // The paper's Figure 2: the middle frame of the first test videos, raw and through each anonymizer.
    const shown = Math.min(6, sets.testVideos.items.length);
    const gridRows: GridRow[] = [];
    for (const cand of candidates) {
      // A baseline: `seeds` fresh judges. An f_A of minimax seed k: one fresh judge of its own (seed k).
      const k = cand.k ?? 0;
      const n = cand.k === undefined ? c.seeds : 1;
      const { result: r, shown: frames } = await judgeCandidate(
        cand,
        sets,
        c.protocol,
        n,
        tick,
        (seed, scores) => registry.logResult(runId, cand.a.name, seed, { ...scores }),
        k,
        shown,
      );
      if (k === 0) gridRows.push({ name: cand.a.name, frames });
      judged.push(r);
    }
    // One row per method: the minimax seeds of a learned method side by side.
    const methods = [...new Set(judged.map((r) => r.method))].map((name) =>
      mergeSeeds(judged.filter((r) => r.method === name)),
    );
    bar.finish();
    lap('evaluation', t);
    mkdirSync(join(c.workspace, 'report'), { recursive: true });
    await writeFrameGrid(join(c.workspace, 'report', 'frames.png'), gridRows, c.data.width, c.data.height, 4);

    // 6. The novel protocol: the same f_A judged on the other variant's actions and attributes.
    t = Date.now();
    const novel = c.novel
      ? await judgeNovel(
          bb,
          c,
          // Raw data and the first minimax seed's f_A of each learned method.
          candidates.filter((x) => (x.kind !== 'baseline' || x.a.name === 'raw data') && (x.k ?? 0) === 0),
          out,
          reader,
        )
      : null;
    if (c.novel) lap('novel protocol', t);

    const result: ExperimentResult = {
      config: c,
      attributes: sets.trainImages.attributes,
      testLabels: sets.testImages.items.map((im) => Array.from(im.labels)),
      classes: sets.trainVideos.classes,
      chance: chanceOf(sets),
      pretrainLosses,
      backbones: bb,
      methodBackbones: mb,
      methods,
      novel,
      selectionRule: SELECTION_RULE,
      seconds: (Date.now() - t0) / 1000,
      timings,
    };
    writeFileAtomic(join(c.workspace, 'results.json'), [Buffer.from(JSON.stringify(result, null, 2) + '\n')]);
    registry.finishRun(runId, 'done');
    return result;
  } catch (e) {
    registry.finishRun(runId, 'failed');
    throw e;
  } finally {
    registry.close();
    await reader.close();
  }
}
