// The paper's novel protocol: f_A trained on one action set and one attribute set (UCF101, VISPR-1;
// SynthPAR's `known` variant) is judged on others it never saw (HMDB51, VISPR-2; SynthPAR's `novel`
// variant: other motions, other private attributes). The judges start from the main study's
// backbones, as the paper's HMDB51 and VISPR-2 judges start from the same Kinetics-400 and ImageNet
// weights as its UCF101 and VISPR-1 ones: features learned elsewhere, a new head for new labels.
import { join } from 'node:path';

import { FrameReader } from '../data/loader/index.js';
import { judgeSteps, type ProtocolConfig } from '../eval/protocol.js';
import type { Backbones } from './backbones.js';
import { type DataConfig, ensureSynthPAR, readSets, synthparSource } from './data.js';
import { type Candidate, chanceOf, judgeCandidate, type MethodResult } from './judge.js';
import { type RunOutput, SILENT } from './progress.js';

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
  candidates: readonly Candidate[],
  out: RunOutput = SILENT,
  reader?: FrameReader,
): Promise<NovelResult> {
  const own = reader ? null : new FrameReader();
  try {
    return await judge(reader ?? (own as FrameReader));
  } finally {
    await own?.close();
  }

  async function judge(reader: FrameReader): Promise<NovelResult> {
    const data = { ...c.data, variant: 'novel' as const, seed: c.data.seed + 1 };
    const root = join(c.workspace, 'synthpar-novel');
    const gen = out.bar('SynthPAR novel write', data.clips + data.images);
    await ensureSynthPAR(root, data, () => gen.tick());
    gen.finish();
    const sets = await readSets(synthparSource(root), data, c.valEvery, reader);
    const protocol = { ...c.protocol, actionInit: bb?.action ?? null, attackerInit: bb?.privacy ?? null };
    const bar = out.bar(
      'novel protocol',
      candidates.length *
        c.seeds *
        judgeSteps(protocol, sets.trainVideos.items.length, sets.trainImages.items.length),
    );
    const methods: MethodResult[] = [];
    for (const cand of candidates)
      methods.push(
        (await judgeCandidate(cand, sets, protocol, c.seeds, (w) => bar.tick(`novel: ${w}`))).result,
      );
    bar.finish();
    return {
      classes: sets.trainVideos.classes,
      attributes: sets.trainImages.attributes,
      testLabels: sets.testImages.items.map((im) => Array.from(im.labels)),
      chance: chanceOf(sets),
      methods,
    };
  }
}
