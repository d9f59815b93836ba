// The paper's novel protocol: f_A trained on one action set and one attribute set (UCF101, VISPR-1;
// SynthPAR's `known` variant) is judged on others it never saw (HMDB51, VISPR-2; SynthPAR's `novel`
// variant: other motions, other private attributes). The judges start from the main study's
// backbones, as the paper's HMDB51 and VISPR-2 judges start from the same Kinetics-400 and ImageNet
// weights as its UCF101 and VISPR-1 ones: features learned elsewhere, a new head for new labels.
import { join } from 'node:path';

import { judgeSteps, type ProtocolConfig } from '../eval/protocol.js';
import type { Backbones } from './backbones.js';
import { type DataConfig, ensureSynthPAR } from './data.js';
import type { MethodResult } from './judge.js';
import type { JudgedRef } from './lane_tasks.js';
import type { Lanes } from './lanes.js';
import { type RunOutput, shareBar, SILENT } from './progress.js';

/** What the novel protocol takes from the experiment's config. */
export interface NovelConfig {
  workspace: string;
  data: DataConfig;
  valEvery: number;
  protocol: ProtocolConfig;
  seeds: number;
}

export interface NovelResult {
  classes: string[];
  attributes: string[];
  testLabels: number[][];
  chance: { top1: number; cmap: number };
  methods: MethodResult[];
}

export async function judgeNovel(
  bb: Backbones | null,
  c: NovelConfig,
  candidates: readonly JudgedRef[],
  lanes: Lanes,
  out: RunOutput = SILENT,
): Promise<NovelResult> {
  const data = { ...c.data, variant: 'novel' as const, seed: c.data.seed + 1 };
  const root = join(c.workspace, 'synthpar-novel');
  const gen = out.bar('SynthPAR novel write', data.clips + data.images);
  await ensureSynthPAR(root, data, () => gen.tick());
  gen.finish();
  const ref = { root, data, valEvery: c.valEvery };
  const record = (): void => {};
  const info = await lanes.run('info', ref, { out, record });
  const protocol = { ...c.protocol, actionInit: bb?.action ?? null, attackerInit: bb?.privacy ?? null };
  const bar = out.bar(
    'novel protocol',
    candidates.length * c.seeds * judgeSteps(protocol, info.trainVideos, info.trainImages),
  );
  const methods = await Promise.all(
    candidates.map(async (cand) => {
      const args = { ref, protocol, anonymizer: cand.anonymizer, kind: cand.kind, B: cand.B };
      const io = { out: shareBar(bar, out.log, 'novel: '), record };
      return (await lanes.run('judge', { ...args, seeds: c.seeds, firstSeed: 0, show: 0 }, io)).result;
    }),
  );
  bar.finish();
  return {
    classes: info.classes,
    attributes: info.attributes,
    testLabels: info.testLabels,
    chance: info.chance,
    methods,
  };
}
