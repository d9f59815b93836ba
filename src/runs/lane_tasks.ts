// The experiment's independent pieces of work, each a plain function of plain data, so that a lane
// (lanes.ts: a child process with its own share of the cores) or the experiment's own process runs
// the very same code: a set of backbones, one minimax run, one anonymizer through the judges, the
// labels of a dataset. What they need besides their arguments comes from a LaneContext: the
// datasets (read once per process), the reader and the registry.
import { join } from 'node:path';

import { firstVideos, type FrameReader } from '../data/loader/index.js';
import type { ProtocolConfig } from '../eval/protocol.js';
import { learned } from '../method/anonymize.js';
import { type Anonymizer, baselines } from '../method/baselines.js';
import type { MethodConfig } from '../method/config.js';
import { type MinimaxResult, trainMinimax } from '../method/minimax.js';
import { createNetworks } from '../method/pretrain.js';
import { loadAnonymizer, loadCheckpointInto } from '../models/index.js';
import { type BackboneConfig, type Backbones, pretrainBackbones } from './backbones.js';
import type { MethodKind } from './compare_row.js';
import { type DataConfig, readSets, type Sets, synthparSource } from './data.js';
import { followRun } from './follow.js';
import { chanceOf, judgeCandidate, type MethodResult, type SeedScores } from './judge.js';
import type { RunOutput } from './progress.js';
import { Registry } from './registry.js';

/** A SynthPAR tree of the workspace and how it is read (the experiment's, or the novel protocol's). */
export interface DataRef {
  root: string;
  data: DataConfig;
  valEvery: number;
}

/** What a task may use besides its arguments: one per process, kept between tasks. */
export interface LaneContext {
  reader: FrameReader;
  sets(ref: DataRef): Promise<Sets>;
  registry(workspace: string): Registry;
}

/** How a task reports while it runs: drawn and logged by the experiment's process, wherever it runs. */
export interface TaskIO {
  /** Notes and progress bars (a bar of total 0 ticks the caller's own bar). */
  out: RunOutput;
  /** A judge's scores for one seed, as soon as it has them (the experiment logs them). */
  record(seed: number, s: SeedScores): void;
}

/** One process's context: sets read once per tree, one registry per workspace. */
export function laneContext(
  reader: FrameReader,
): LaneContext & { provide(ref: DataRef, s: Sets): void; close(): void } {
  const sets = new Map<string, Promise<Sets>>();
  const registries = new Map<string, Registry>();
  return {
    reader,
    /** Sets this process has already read (the experiment's own, when it is the one lane). */
    provide(ref, s) {
      sets.set(JSON.stringify(ref), Promise.resolve(s));
    },
    sets(ref) {
      const key = JSON.stringify(ref);
      let s = sets.get(key);
      if (!s) {
        s = readSets(synthparSource(ref.root), ref.data, ref.valEvery, reader);
        sets.set(key, s);
      }
      return s;
    },
    registry(workspace) {
      let r = registries.get(workspace);
      if (!r) {
        r = Registry.forWorkspace(workspace);
        registries.set(workspace, r);
      }
      return r;
    },
    close() {
      for (const r of registries.values()) r.close();
      registries.clear();
      sets.clear();
    },
  };
}

/** An anonymizer as plain data: a baseline by name, or a learned f_A by its checkpoint. */
export type AnonymizerRef =
  | { baseline: string }
  | { learned: { name: string; fAPath: string; device: MethodConfig['device']; autocast: boolean } };

export function anonymizerOf(ref: AnonymizerRef): Anonymizer {
  if ('baseline' in ref) {
    const a = baselines().find((b) => b.name === ref.baseline);
    if (!a) throw new Error(`no baseline named '${ref.baseline}'`);
    return a;
  }
  const { name, fAPath, device, autocast } = ref.learned;
  return learned(name, loadAnonymizer(fAPath).net.to(device), { autocast });
}

/** An anonymizer to judge, as the experiment lists them: its ref, its row, and what its row adds. */
export interface JudgedRef {
  anonymizer: AnonymizerRef;
  name: string;
  kind: MethodKind;
  B: number | null;
  /** A learned f_A: the minimax seed it was trained with (undefined: a baseline). */
  k?: number;
  extra?: Partial<MethodResult>;
}

export interface BackbonesArgs {
  dir: string;
  data: DataConfig;
  protocol: ProtocolConfig;
  b: BackboneConfig;
}

export interface MinimaxArgs {
  workspace: string;
  ref: DataRef;
  /** The run's report name (with its minimax seed when there are several), its folder, its config. */
  label: string;
  dir: string;
  method: MethodConfig;
  /** The pre-trained f_A, f_B and f_T it starts from. */
  start: { fA: string; fB: string; fT: string };
}

/** What a minimax run gives back: its MinimaxResult, less the loader's timings. */
export type MinimaxOutcome = Pick<MinimaxResult, 'history' | 'selectedEpoch' | 'fAPath'>;

export interface JudgeArgs {
  ref: DataRef;
  protocol: ProtocolConfig;
  anonymizer: AnonymizerRef;
  kind: MethodKind;
  B: number | null;
  seeds: number;
  firstSeed: number;
  /** Middle frames of this many anonymized test videos to give back (the report's frame grid). */
  show: number;
}

/** The labels and sizes of a tree's sets, for the results and the progress bars. */
export interface SetsInfo {
  classes: string[];
  attributes: string[];
  testLabels: number[][];
  chance: { top1: number; cmap: number };
  trainVideos: number;
  trainImages: number;
}

export const TASKS = {
  backbones: (ctx: LaneContext, a: BackbonesArgs, io: TaskIO): Promise<Backbones> =>
    pretrainBackbones(a.dir, a.data, a.protocol, a.b, io.out, ctx.reader),

  async minimax(ctx: LaneContext, a: MinimaxArgs, io: TaskIO): Promise<MinimaxOutcome> {
    const sets = await ctx.sets(a.ref);
    const registry = ctx.registry(a.workspace);
    const n = createNetworks(a.method, sets.trainVideos.classes.length);
    try {
      for (const [key, net] of Object.entries(n))
        loadCheckpointInto(net, a.start[key as keyof typeof a.start]);
      const videos = {
        videos: await firstVideos(sets.valVideos, 4),
        width: a.ref.data.width,
        height: a.ref.data.height,
      };
      const id = registry.startRun('minimax', a.label, a.method, a.dir);
      const follow = followRun(a.dir, registry, id, a.method, { fA: n.fA, videos });
      const bar = io.out.bar('minimax', 0);
      let r: MinimaxResult;
      try {
        r = await trainMinimax(n, sets, a.method, {
          dir: a.dir,
          resume: true,
          tick: (w) => bar.tick(`${a.label}: ${w}`),
          onStep: follow.onStep,
          onEpoch: follow.onEpoch,
        });
      } catch (e) {
        registry.finishRun(id, 'failed');
        throw e;
      } finally {
        follow.close();
      }
      registry.finishRun(id, 'done');
      return { history: r.history, selectedEpoch: r.selectedEpoch, fAPath: r.fAPath };
    } finally {
      for (const net of Object.values(n)) net.dispose();
    }
  },

  async judge(
    ctx: LaneContext,
    a: JudgeArgs,
    io: TaskIO,
  ): Promise<{ result: MethodResult; shown: Uint8Array[] }> {
    const sets = await ctx.sets(a.ref);
    const bar = io.out.bar('judges', 0);
    return judgeCandidate(
      { a: anonymizerOf(a.anonymizer), kind: a.kind, B: a.B, extra: {} },
      sets,
      a.protocol,
      a.seeds,
      (w) => bar.tick(w),
      (seed, s) => io.record(seed, s),
      a.firstSeed,
      a.show,
    );
  },

  async info(ctx: LaneContext, ref: DataRef): Promise<SetsInfo> {
    const s = await ctx.sets(ref);
    return {
      classes: s.trainVideos.classes,
      attributes: s.trainImages.attributes,
      testLabels: s.testImages.items.map((im) => Array.from(im.labels)),
      chance: chanceOf(s),
      trainVideos: s.trainVideos.items.length,
      trainImages: s.trainImages.items.length,
    };
  },
};

export type TaskName = keyof typeof TASKS;
export type TaskArgs<K extends TaskName> = Parameters<(typeof TASKS)[K]>[1];
export type TaskResult<K extends TaskName> = Awaited<ReturnType<(typeof TASKS)[K]>>;

/** Runs task `name` with a process's context: what a lane does with each task it is sent. */
export function runTask<K extends TaskName>(
  ctx: LaneContext,
  name: K,
  args: TaskArgs<K>,
  io: TaskIO,
): Promise<TaskResult<K>> {
  const task = TASKS[name] as (c: LaneContext, a: TaskArgs<K>, io: TaskIO) => Promise<TaskResult<K>>;
  return task(ctx, args, io);
}

/** The run folder of minimax seed k of a run. */
export const seedDir = (workspace: string, dir: string, k: number): string =>
  join(workspace, 'runs', k === 0 ? dir : `${dir}-seed${k}`);
