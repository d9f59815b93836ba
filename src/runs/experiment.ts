// One experiment, start to finish, as `veil demo` runs it and as the report reads it: SynthPAR on
// disk in the official layouts -> read back through the real readers -> pre-train f_A, f_B, f_T ->
// the minimax for SPAct (lambda 0) and every B of the sweep -> every anonymizer (baselines and
// learned) judged by the same protocol over N seeds -> results.json and the registry.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { FrameReader } from '../data/loader/index.js';
import { type GridRow, writeFrameGrid } from '../eval/report/grid.js';
import { judgeSteps, type ProtocolConfig } from '../eval/protocol.js';
import type { Goal } from '../eval/stats.js';
import { baselines } from '../method/baselines.js';
import { type MethodConfig, type NetChoice, validateConfig } from '../method/config.js';
import { minimaxBatches, type MinimaxData, SELECTION_RULE } from '../method/minimax.js';
import { createNetworks, pretrainAction, pretrainAnonymizer, pretrainPrivacy } from '../method/pretrain.js';
import { createModel, type Network, saveCheckpoint } from '../models/index.js';
import { getNumThreads, manualSeed, setNumThreads, writeFileAtomic } from '../torch/index.js';
import { hashSeed } from '../data/rng.js';
import type { BackboneConfig, Backbones } from './backbones.js';
import { type DataConfig, ensureSynthPAR, readSets, type Sets, synthparSource } from './data.js';
import { chanceOf, mergeSeeds, type MethodResult } from './judge.js';
import type { MethodKind } from './compare_row.js';
import { judgeNovel, type NovelResult } from './novel.js';
import { type DataRef, type JudgedRef, seedDir, type TaskIO } from './lane_tasks.js';
import { Lanes } from './lanes.js';
import { CONSOLE, type RunOutput, shareBar } from './progress.js';
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

export interface RunOptions {
  /** Lanes (lanes.ts) the independent work is spread over; 1 runs everything in this process. */
  lanes?: number;
}

export async function runExperiment(c: ExperimentConfig, out: RunOutput = CONSOLE, o: RunOptions = {}) {
  const log = (s: string): void => out.log(s);
  validateConfig(c.method);
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const lap = (k: string, since: number): number => (timings[k] = (Date.now() - since) / 1000);
  // One reader for every set of the run: one pool of loader workers, one bound on cached frames.
  const reader = new FrameReader();
  const lanes = new Lanes(o.lanes ?? 1, reader);
  // What this process trains itself (the pre-training) runs beside the lanes: a lane's share of the cores.
  const threads = getNumThreads();
  setNumThreads(lanes.threads);
  mkdirSync(c.workspace, { recursive: true });
  const registry = Registry.forWorkspace(c.workspace);
  const runId = registry.startRun('experiment', 'sweep', c);
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
    // The judges' are first needed by the judges: with two lanes they train on in one while the
    // other trains the method's, then the minimax runs.
    t = Date.now();
    const ref: DataRef = { root, data: c.data, valEvery: c.valEvery };
    lanes.provide(ref, sets);
    const noScores: TaskIO['record'] = () => {};
    const backbonesIn = (set: 'judges' | 'method', b: BackboneConfig | null): Promise<Backbones | null> =>
      b
        ? lanes.run(
            'backbones',
            { dir: join(c.workspace, 'backbones', set), data: c.data, protocol: c.protocol, b },
            { out, record: noScores },
          )
        : Promise.resolve(null);
    const judgesReady = backbonesIn('judges', c.backbones);
    judgesReady.catch(() => {}); // awaited before the judges; failing sooner is not unhandled
    const mb = await backbonesIn('method', c.methodBackbones);
    c = withBackbones(c, mb, null);
    lap('backbones', t);

    const learnedRuns = minimaxRuns(c);
    // Each run's own config is checked too: an ablation's change must make a valid one.
    for (const r of learnedRuns) validateConfig(r.method);
    const judgings = baselines().length * c.seeds + learnedRuns.length * c.minimaxSeeds;
    // The judges will start from their backbones (the head-only epochs count) once they are there.
    const judgesInit = c.backbones ? join(c.workspace, 'backbones', 'judges') : null;
    const steps = plannedSteps({ ...c, protocol: { ...c.protocol, actionInit: judgesInit } }, sets, judgings);
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

    // 4. The minimax for SPAct and each B, each from the same pre-trained networks; minimax seed k:
    // the same start, its own batch order and augmentation.
    t = Date.now();
    const trained = await Promise.all(
      learnedRuns.flatMap((run) =>
        Array.from({ length: c.minimaxSeeds }, async (_, k) => {
          const method = { ...run.method, seed: run.method.seed + k };
          const result = await lanes.run(
            'minimax',
            {
              workspace: c.workspace,
              ref,
              label: c.minimaxSeeds > 1 ? `${run.name} (minimax seed ${k})` : run.name,
              dir: seedDir(c.workspace, run.dir, k),
              method,
              start: {
                fA: join(pre, anonymizerFile(m, method.fA)),
                fB: join(pre, 'fB.safetensors'),
                fT: join(pre, 'fT.safetensors'),
              },
            },
            { out: shareBar(bar, log), record: noScores },
          );
          return { run, k, result };
        }),
      ),
    );
    for (const net of Object.values(nets)) net.dispose();
    lap('minimax', t);

    // 5. Every anonymizer through the same protocol: fresh f_T and fresh attacker per seed.
    t = Date.now();
    const bb = await judgesReady;
    c = withBackbones(c, mb, bb);
    timings.backbones = (timings.backbones ?? 0) + (Date.now() - t) / 1000;
    t = Date.now();
    const candidates: JudgedRef[] = [
      ...baselines().map((a) => ({
        anonymizer: { baseline: a.name },
        name: a.name,
        kind: 'baseline' as const,
        B: null,
      })),
      ...trained.map(({ run, k, result }) => ({
        anonymizer: {
          learned: { name: run.name, fAPath: result.fAPath, device: m.device, autocast: m.autocast },
        },
        name: run.name,
        kind: run.kind,
        B: run.B,
        k,
        extra: { history: result.history, selectedEpoch: result.selectedEpoch, fAPath: result.fAPath },
      })),
    ];
    // The paper's Figure 2: the middle frame of the first test videos, raw and through each anonymizer.
    const shown = Math.min(6, sets.testVideos.items.length);
    const outcomes = await Promise.all(
      candidates.map((cand) =>
        lanes.run(
          'judge',
          {
            ref,
            protocol: c.protocol,
            anonymizer: cand.anonymizer,
            kind: cand.kind,
            B: cand.B,
            // A baseline: `seeds` fresh judges. An f_A of minimax seed k: one fresh judge of its own (seed k).
            seeds: cand.k === undefined ? c.seeds : 1,
            firstSeed: cand.k ?? 0,
            show: shown,
          },
          {
            out: shareBar(bar, log),
            record: (seed, scores) => registry.logResult(runId, cand.name, seed, { ...scores }),
          },
        ),
      ),
    );
    const judged: MethodResult[] = outcomes.map((o, i) => ({ ...o.result, ...candidates[i]?.extra }));
    const gridRows: GridRow[] = outcomes.flatMap((o, i) =>
      (candidates[i]?.k ?? 0) === 0 ? [{ name: o.result.method, frames: o.shown }] : [],
    );
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
          candidates.filter((x) => (x.kind !== 'baseline' || x.name === 'raw data') && (x.k ?? 0) === 0),
          lanes,
          out,
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
    await lanes.close();
    await reader.close();
    setNumThreads(threads);
  }
}
