// One anonymizer through the protocol: its four sets anonymized once, then a fresh action model
// and a fresh attacker per seed. The main study and the novel protocol both judge this way.
import { judgeAction, judgeAttacker, type ProtocolConfig } from '../eval/protocol.js';
import { type ImageSet, middleFrames, type VideoSet } from '../data/loader/index.js';
import { anonymizeImageSet, anonymizeVideoSet, forgetSets } from '../method/anonymize.js';
import type { Anonymizer } from '../method/baselines.js';
import type { EpochLog } from '../method/minimax.js';
import type { MethodKind } from './compare_row.js';

/** One anonymizer judged over the seeds, as results.json holds it. */
export interface MethodResult {
  method: string;
  kind: MethodKind;
  B: number | null;
  /** One value per evaluation seed. */
  top1: number[];
  cmap: number[];
  f1: number[];
  f1LogitAbove05: number[];
  attackerBestEpoch: number[];
  /** The attacker's AP per attribute at its best epoch, one row per seed. */
  perAttributeAP: number[][];
  /**
   * Per seed, what the intervals resample: each test video's hit (1 right, 0 wrong) and each
   * test image's attribute logits at the attacker's best epoch.
   */
  correct: number[][];
  scores: number[][][];
  /** Learned anonymizers: the minimax log, the selected epoch and its weights. */
  history?: EpochLog[];
  selectedEpoch?: number;
  fAPath?: string;
  /** Learned anonymizers: how many minimax seeds the values come from (one f_A, one judge each). */
  minimaxSeeds?: number;
  /** Learned anonymizers: every minimax seed's log (history is the first's). */
  histories?: EpochLog[][];
}

export interface Candidate {
  a: Anonymizer;
  kind: MethodKind;
  B: number | null;
  /** A learned f_A: the minimax seed it was trained with (undefined: a baseline). */
  k?: number;
  extra: Partial<MethodResult>;
}

export interface JudgedSets {
  trainVideos: VideoSet;
  testVideos: VideoSet;
  trainImages: ImageSet;
  testImages: ImageSet;
}

export interface SeedScores {
  top1: number;
  cmap: number;
  f1: number;
  f1LogitAbove05: number;
  attackerBestEpoch: number;
}

/**
 * Judges one anonymizer over `seeds` seeds; returns its result and the middle frames of its first
 * `show` anonymized test videos. The anonymized sets are given back to the reader afterwards.
 */
export async function judgeCandidate(
  { a, kind, B, extra }: Candidate,
  sets: JudgedSets,
  protocol: ProtocolConfig,
  seeds: number,
  tick: (what: string) => void,
  record: (seed: number, s: SeedScores) => void = () => {},
  firstSeed = 0,
  show = 0,
): Promise<{ result: MethodResult; shown: Uint8Array[] }> {
  const anon: JudgedSets = {
    trainVideos: await anonymizeVideoSet(a, sets.trainVideos),
    testVideos: await anonymizeVideoSet(a, sets.testVideos),
    trainImages: await anonymizeImageSet(a, sets.trainImages),
    testImages: await anonymizeImageSet(a, sets.testImages),
  };
  try {
    return { result: await judgeSeeds(), shown: await middleFrames(anon.testVideos, show) };
  } finally {
    forgetSets(anon.trainVideos, anon.testVideos, anon.trainImages, anon.testImages);
  }

  async function judgeSeeds(): Promise<MethodResult> {
    const r: MethodResult = {
      method: a.name,
      kind,
      B,
      top1: [],
      cmap: [],
      f1: [],
      f1LogitAbove05: [],
      attackerBestEpoch: [],
      perAttributeAP: [],
      correct: [],
      scores: [],
      ...extra,
    };
    for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
      const judged = (w: string): void => tick(`${a.name}, seed ${seed}: ${w}`);
      const act = await judgeAction(anon.trainVideos, anon.testVideos, protocol, 1000 + seed, judged);
      const prv = await judgeAttacker(anon.trainImages, anon.testImages, protocol, 2000 + seed, judged);
      const s: SeedScores = {
        top1: act.top1,
        cmap: prv.best.cmap,
        f1: prv.best.f1,
        f1LogitAbove05: prv.best.f1LogitAbove05,
        attackerBestEpoch: prv.bestEpoch,
      };
      r.top1.push(s.top1);
      r.cmap.push(s.cmap);
      r.f1.push(s.f1);
      r.f1LogitAbove05.push(s.f1LogitAbove05);
      r.attackerBestEpoch.push(s.attackerBestEpoch);
      r.perAttributeAP.push(prv.best.perAttributeAP);
      r.correct.push(act.correct);
      r.scores.push(prv.bestScores);
      record(seed, s);
    }
    return r;
  }
}

/** Chance levels of a test split: top-1 of guessing, cMAP of random scores (the attribute priors). */
export function chanceOf(sets: Pick<JudgedSets, 'trainVideos' | 'testImages'>): {
  top1: number;
  cmap: number;
} {
  const items = sets.testImages.items;
  const prior = sets.testImages.attributes.map(
    (_, k) => items.reduce((s, im) => s + (im.labels[k] as number), 0) / items.length,
  );
  return { top1: 1 / sets.trainVideos.classes.length, cmap: prior.reduce((a, b) => a + b, 0) / prior.length };
}

/**
 * One row from the f_A's of several minimax seeds of the same method, each judged by its own fresh
 * judges: their values side by side, so the row's spread is over minimax seeds. The training log,
 * selected epoch and weights shown are the first seed's.
 */
export function mergeSeeds(results: readonly MethodResult[]): MethodResult {
  const [first, ...rest] = results;
  if (!first) throw new Error('mergeSeeds: no results');
  const out: MethodResult = {
    ...first,
    minimaxSeeds: results.length,
    histories: results.map((r) => r.history ?? []),
  };
  for (const r of rest) {
    out.top1 = [...out.top1, ...r.top1];
    out.cmap = [...out.cmap, ...r.cmap];
    out.f1 = [...out.f1, ...r.f1];
    out.f1LogitAbove05 = [...out.f1LogitAbove05, ...r.f1LogitAbove05];
    out.attackerBestEpoch = [...out.attackerBestEpoch, ...r.attackerBestEpoch];
    out.perAttributeAP = [...out.perAttributeAP, ...r.perAttributeAP];
    out.correct = [...out.correct, ...r.correct];
    out.scores = [...out.scores, ...r.scores];
  }
  return out;
}
