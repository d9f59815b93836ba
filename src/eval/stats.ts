// The study's statistics: every Table-1 number as mean ± std over minimax seeds plus a percentile
// bootstrap interval over the test set, dominance between rows beyond those intervals, the Pareto
// front, and the targets as PASS/FAIL lines computed from the numbers. Pure and deterministic: the
// bootstrap draws from the seeded Rng of src/data/rng.ts, so a report is the same on every rerun.
import { Rng } from '../data/rng.js';
import { attributeMetrics } from '../method/metrics.js';
import { meanStd } from './metrics.js';

/** A closed interval of a metric, as fractions in [0, 1]. */
export interface Interval {
  low: number;
  high: number;
}

/**
 * One number of the table: mean and sample std over minimax seeds (the spread of training), and
 * [low, high], the bootstrap interval over test items of that seed-mean (the spread of the test set).
 */
export interface Estimate extends Interval {
  mean: number;
  std: number;
}

export interface StudyRow {
  method: string;
  kind: 'baseline' | 'spact' | 'veil' | string;
  B: number | null;
  top1: Estimate;
  cmap: Estimate;
}

/** The same shape as report/checks.ts's Check, so its checkLine prints these lines too. */
export interface TargetCheck {
  what: string;
  passed: boolean;
  measured: string;
}

export interface BootstrapOptions {
  /** Number of resamples of the test set (1000 unless told). */
  resamples?: number;
  /** Coverage of the interval (0.95 unless told). */
  level?: number;
  /** Seed of the resampling; the same seed gives the same interval. */
  seed?: number | string;
}

/** The row every target is measured against, named as src/method/baselines.ts names it. */
export const RAW = 'raw data';

// Threshold tests on differences of fractions: 0.95 - 0.75 is 0.19999999999999996 in floating
// point, which must still count as "20 points".
const EPS = 1e-9;

/** Quantile by linear interpolation between order statistics (numpy's default, R's type 7). */
function quantile(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const a = sorted[lo] as number;
  const b = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return a + (h - lo) * (b - a);
}

/**
 * Percentile bootstrap over n test items: draw n indices with replacement, evaluate the statistic
 * on them, and take the (1 - level)/2 and (1 + level)/2 quantiles over the resamples. A resample
 * on which the statistic is not finite (cMAP with no positive label drawn) is left out; the call
 * fails when more than half are, since the interval would then describe a different population.
 */
export function bootstrapInterval(
  n: number,
  statistic: (indices: number[]) => number,
  o: BootstrapOptions = {},
): Interval {
  const resamples = o.resamples ?? 1000;
  const level = o.level ?? 0.95;
  if (!Number.isInteger(n) || n < 1) throw new Error(`bootstrapInterval: need n >= 1 test items, got ${n}`);
  if (!Number.isInteger(resamples) || resamples < 1)
    throw new Error(`bootstrapInterval: need resamples >= 1, got ${resamples}`);
  if (!(level > 0 && level < 1)) throw new Error(`bootstrapInterval: level must lie in (0, 1), got ${level}`);
  const rng = new Rng('bootstrap', o.seed ?? 0);
  const values: number[] = [];
  const idx = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = rng.int(0, n - 1);
    // A copy: the statistic may keep or sort what it is given.
    const v = statistic(idx.slice());
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length * 2 < resamples)
    throw new Error(
      `bootstrapInterval: the statistic was undefined on ${resamples - values.length} of ${resamples} resamples`,
    );
  values.sort((a, b) => a - b);
  return { low: quantile(values, (1 - level) / 2), high: quantile(values, (1 + level) / 2) };
}

const asNumber = (c: boolean | number): number => (typeof c === 'boolean' ? (c ? 1 : 0) : c);

/** Bootstrap interval of top-1 from the per-video correctness (true/1 when the video was right). */
export function top1Interval(correct: readonly (boolean | number)[], o: BootstrapOptions = {}): Interval {
  const { low, high } = top1Estimate([correct], o);
  return { low, high };
}

type LabelRow = ArrayLike<number> & Iterable<number>;

/** cMAP through attributeMetrics, NaN when no attribute has a positive among the chosen images. */
function cmapOf(scores: readonly (readonly number[])[], labels: readonly LabelRow[], idx: number[]): number {
  try {
    return attributeMetrics(
      idx.map((i) => scores[i] as readonly number[]),
      idx.map((i) => labels[i] as LabelRow),
    ).cmap;
  } catch {
    return NaN;
  }
}

/**
 * Bootstrap interval of cMAP from the attacker's per-image scores (logits or probabilities: AP only
 * ranks them) and 0/1 labels. On a resample, attributes with no positive image are left out of the
 * mean, as attributeMetrics does on the full test set.
 */
export function cmapInterval(
  scores: readonly (readonly number[])[],
  labels: readonly LabelRow[],
  o: BootstrapOptions = {},
): Interval {
  const { low, high } = cmapEstimate([scores], labels, o);
  return { low, high };
}

/** An Estimate from one value per seed and an interval computed elsewhere. */
export function estimate(perSeed: readonly number[], interval: Interval): Estimate {
  return { ...meanStd(perSeed), low: interval.low, high: interval.high };
}

/**
 * Top-1 over seeds: per seed, the correctness of each test video (the same videos in the same
 * order for every seed). Mean and std over the seeds' accuracies; the interval resamples videos
 * once for all seeds (the test set is shared) and takes the seed-mean accuracy on the resample.
 */
export function top1Estimate(
  perSeedCorrect: readonly (readonly (boolean | number)[])[],
  o: BootstrapOptions = {},
): Estimate {
  const seeds = perSeedCorrect.map((c) => c.map(asNumber));
  const n = seeds[0]?.length ?? 0;
  if (seeds.length === 0 || n === 0) throw new Error('top1Estimate: no seeds or no test videos');
  if (seeds.some((c) => c.length !== n))
    throw new Error('top1Estimate: every seed must be judged on the same test videos');
  const acc = (c: readonly number[], idx: readonly number[]): number =>
    idx.reduce((s, i) => s + (c[i] as number), 0) / idx.length;
  const all = [...Array(n).keys()];
  const interval = bootstrapInterval(
    n,
    (idx) => seeds.reduce((s, c) => s + acc(c, idx), 0) / seeds.length,
    o,
  );
  return estimate(
    seeds.map((c) => acc(c, all)),
    interval,
  );
}

/**
 * cMAP over seeds: per seed, the fresh attacker's scores on the test images (labels shared).
 * Mean and std over the seeds' cMAP; the interval resamples images once for all seeds.
 */
export function cmapEstimate(
  perSeedScores: readonly (readonly (readonly number[])[])[],
  labels: readonly LabelRow[],
  o: BootstrapOptions = {},
): Estimate {
  const n = labels.length;
  if (perSeedScores.length === 0 || n === 0) throw new Error('cmapEstimate: no seeds or no test images');
  if (perSeedScores.some((s) => s.length !== n))
    throw new Error('cmapEstimate: need one score row per test image, for every seed');
  const all = [...Array(n).keys()];
  const full = perSeedScores.map((s) => cmapOf(s, labels, all));
  if (full.some((v) => !Number.isFinite(v)))
    throw new Error('cmapEstimate: no attribute has a positive test image');
  const interval = bootstrapInterval(
    n,
    (idx) => perSeedScores.reduce((s, sc) => s + cmapOf(sc, labels, idx), 0) / perSeedScores.length,
    o,
  );
  return estimate(full, interval);
}

/** A fraction as a percentage with one decimal: 0.8091 -> "80.9%". */
export const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** "80.9% [78.1, 83.6]", or with the spread over seeds "80.9% ± 1.2 [78.1, 83.6]". */
export function formatEstimate(e: Estimate, o: { std?: boolean } = {}): string {
  const spread = o.std ? ` ± ${(e.std * 100).toFixed(1)}` : '';
  return `${pct(e.mean)}${spread} [${(e.low * 100).toFixed(1)}, ${(e.high * 100).toFixed(1)}]`;
}

const describe = (r: StudyRow): string =>
  `${r.method} (top-1 ${formatEstimate(r.top1)}, cMAP ${formatEstimate(r.cmap)})`;

/**
 * a dominates b: a keeps more action AND leaks less, both beyond the intervals, i.e. a's whole top-1
 * interval lies above b's and a's whole cMAP interval lies below b's. Overlap on either axis means
 * the test set cannot tell them apart there, so there is no dominance.
 */
export function dominates(a: StudyRow, b: StudyRow): boolean {
  return a.top1.low > b.top1.high && a.cmap.high < b.cmap.low;
}

/**
 * The non-dominated rows by means (a row drops out when another has top-1 >= and cMAP <= with one
 * of them strict), sorted by cMAP then top-1 ascending, left to right on the privacy-utility plot.
 */
export function paretoFront(rows: readonly StudyRow[]): StudyRow[] {
  const beats = (a: StudyRow, b: StudyRow): boolean =>
    a.top1.mean >= b.top1.mean &&
    a.cmap.mean <= b.cmap.mean &&
    (a.top1.mean > b.top1.mean || a.cmap.mean < b.cmap.mean);
  return rows
    .filter((r) => !rows.some((s) => s !== r && beats(s, r)))
    .sort((a, b) => a.cmap.mean - b.cmap.mean || a.top1.mean - b.top1.mean);
}

/** What veil competes with: the untrained baselines (raw data among them) and SPAct. */
const competitors = (rows: readonly StudyRow[]): StudyRow[] =>
  rows.filter((r) => r.kind === 'baseline' || r.kind === 'spact');

const dominators = (rows: readonly StudyRow[], v: StudyRow): StudyRow[] =>
  competitors(rows).filter((c) => dominates(c, v));

const dominanceText = (a: StudyRow, b: StudyRow): string =>
  `${a.method} dominates ${b.method}: top-1 ${formatEstimate(a.top1)} above ${formatEstimate(b.top1)}, ` +
  `cMAP ${formatEstimate(a.cmap)} below ${formatEstimate(b.cmap)}`;

const PARETO_WHAT =
  'Pareto: some veil B is dominated by no baseline and not by SPAct (dominated = another row has higher top-1 and lower cMAP, both beyond the intervals)';

/** The Pareto target: PASS when at least one veil row has no dominator among baselines and SPAct. */
export function paretoCheck(rows: readonly StudyRow[]): TargetCheck[] {
  const veil = rows.filter((r) => r.kind === 'veil');
  if (veil.length === 0) return [{ what: PARETO_WHAT, passed: false, measured: 'no veil row in the table' }];
  const status = veil.map((v) => ({ v, by: dominators(rows, v) }));
  const free = status.filter((s) => s.by.length === 0);
  const dominated = status
    .filter((s) => s.by.length > 0)
    .flatMap((s) => s.by.map((c) => dominanceText(c, s.v)));
  const measured =
    free.length > 0
      ? `not dominated: ${free.map((s) => describe(s.v)).join('; ')}` +
        (dominated.length ? `; dominated: ${dominated.join('; ')}` : '')
      : `every veil row is dominated: ${dominated.join('; ')}`;
  return [{ what: PARETO_WHAT, passed: free.length > 0, measured }];
}

/**
 * veil's best B: of the veil rows that no baseline and not SPAct dominates, the one with the
 * highest mean top-1 (the paper's claim is about keeping action, so the best is the most useful
 * surviving budget). Undefined when every veil row is dominated.
 */
export function bestVeil(rows: readonly StudyRow[]): StudyRow | undefined {
  return rows
    .filter((r) => r.kind === 'veil' && dominators(rows, r).length === 0)
    .sort((a, b) => b.top1.mean - a.top1.mean)[0];
}

const findRaw = (rows: readonly StudyRow[]): StudyRow | undefined =>
  rows.find((r) => r.kind === 'baseline' && r.method === RAW);

/**
 * The paper's claim at veil's best B (bestVeil): top-1 within 5 points of raw (means); cMAP below
 * raw beyond the intervals (veil's upper bound under raw's lower bound); and every baseline or SPAct
 * whose mean cMAP is at or below veil's has a lower mean top-1 (nothing hides as well and keeps as
 * much action). One line per part; a single FAIL line when there is no raw row or no surviving B.
 */
export function paperClaimCheck(rows: readonly StudyRow[]): TargetCheck[] {
  const raw = findRaw(rows);
  if (!raw) return [{ what: "paper's claim", passed: false, measured: `no '${RAW}' row in the table` }];
  const veil = rows.filter((r) => r.kind === 'veil');
  if (veil.length === 0)
    return [{ what: "paper's claim", passed: false, measured: 'no veil row in the table' }];
  const best = bestVeil(rows);
  if (!best)
    return [
      {
        what: "paper's claim at veil's best B (the highest top-1 among veil rows no baseline and not SPAct dominates)",
        passed: false,
        measured: `no veil row survives, so there is no best B: ${veil
          .flatMap((v) => dominators(rows, v).map((c) => dominanceText(c, v)))
          .join('; ')}`,
      },
    ];
  const at = `paper's claim at veil's best B (${best.method}, the highest top-1 among veil rows no baseline and not SPAct dominates)`;
  const drop = raw.top1.mean - best.top1.mean;
  const hiding = competitors(rows).filter((c) => c.cmap.mean <= best.cmap.mean);
  const better = hiding.filter((c) => !(c.top1.mean < best.top1.mean));
  return [
    {
      what: `${at}: action top-1 within 5 points of raw`,
      passed: drop <= 0.05 + EPS,
      measured: `${formatEstimate(best.top1)} vs raw ${formatEstimate(raw.top1)}: ${(drop * 100).toFixed(1)} points ${drop >= 0 ? 'below' : 'above'} raw`,
    },
    {
      what: `${at}: privacy cMAP below raw beyond the intervals`,
      passed: best.cmap.high < raw.cmap.low,
      measured: `${formatEstimate(best.cmap)} vs raw ${formatEstimate(raw.cmap)}: upper bound ${(best.cmap.high * 100).toFixed(1)} ${best.cmap.high < raw.cmap.low ? 'below' : 'not below'} raw's lower bound ${(raw.cmap.low * 100).toFixed(1)}`,
    },
    {
      what: `${at}: every baseline and SPAct with cMAP at or below veil's has lower top-1`,
      passed: better.length === 0,
      measured:
        hiding.length === 0
          ? `no baseline or SPAct has cMAP at or below ${formatEstimate(best.cmap)}`
          : better.length === 0
            ? `lower top-1 than ${formatEstimate(best.top1)}: ${hiding.map(describe).join('; ')}`
            : `cMAP at or below ${best.method}'s ${formatEstimate(best.cmap)} with top-1 at or above its ${formatEstimate(best.top1)}: ${better.map(describe).join('; ')}`,
    },
  ];
}

/** The bluntly-anonymized baselines the calibration expects to cost action and privacy. */
export const BLUNT: readonly string[] = [
  'obfuscation: blackening',
  'obfuscation: strong blur',
  'downsample 4x',
];

export interface CalibrationOptions {
  rawTop1?: number;
  rawCmap?: number;
  top1Drop?: number;
  cmapDrop?: number;
  /** The bluntly-anonymized rows, by method name. */
  blunt?: readonly string[];
}

/**
 * Is the dataset a fair test? The judges must read unmodified data well (raw top-1 and cMAP high)
 * and blunt anonymization must hurt both (a drop in top-1 and in cMAP from raw, in points, means).
 * One line per number; a missing row is a FAIL that says so.
 */
export function calibrationChecks(rows: readonly StudyRow[], o: CalibrationOptions = {}): TargetCheck[] {
  const rawTop1 = o.rawTop1 ?? 0.9;
  const rawCmap = o.rawCmap ?? 0.9;
  const top1Drop = o.top1Drop ?? 0.2;
  const cmapDrop = o.cmapDrop ?? 0.15;
  const blunt = o.blunt ?? BLUNT;
  const points = (v: number): string => (v * 100).toFixed(1);
  const change = (d: number): string => `${points(Math.abs(d))} points ${d >= 0 ? 'lower' : 'higher'}`;
  const raw = findRaw(rows);
  if (!raw)
    return [{ what: 'calibration: raw data', passed: false, measured: `no '${RAW}' row in the table` }];
  const out: TargetCheck[] = [
    {
      what: `calibration: raw data action top-1 >= ${pct(rawTop1)}`,
      passed: raw.top1.mean >= rawTop1 - EPS,
      measured: formatEstimate(raw.top1),
    },
    {
      what: `calibration: raw data privacy cMAP >= ${pct(rawCmap)}`,
      passed: raw.cmap.mean >= rawCmap - EPS,
      measured: formatEstimate(raw.cmap),
    },
  ];
  for (const name of blunt) {
    const r = rows.find((x) => x.method === name);
    const what = (metric: string, by: number): string =>
      `calibration: ${name} lowers ${metric} by >= ${points(by)} points from raw`;
    if (!r) {
      out.push(
        { what: what('action top-1', top1Drop), passed: false, measured: 'no such row in the table' },
        { what: what('privacy cMAP', cmapDrop), passed: false, measured: 'no such row in the table' },
      );
      continue;
    }
    const dt = raw.top1.mean - r.top1.mean;
    const dc = raw.cmap.mean - r.cmap.mean;
    out.push(
      {
        what: what('action top-1', top1Drop),
        passed: dt >= top1Drop - EPS,
        measured: `${formatEstimate(r.top1)} vs raw ${formatEstimate(raw.top1)}: ${change(dt)}`,
      },
      {
        what: what('privacy cMAP', cmapDrop),
        passed: dc >= cmapDrop - EPS,
        measured: `${formatEstimate(r.cmap)} vs raw ${formatEstimate(raw.cmap)}: ${change(dc)}`,
      },
    );
  }
  return out;
}

/**
 * The goal of "Beyond the paper" (issue 14): an anonymizer whose action top-1 is within `top1Points`
 * of raw and whose cMAP is within `cmapPoints` of the attribute priors (the chance cMAP).
 */
export interface Goal {
  top1Points: number;
  cmapPoints: number;
}

/** Where the goal's two lines lie on the privacy-utility plane (fractions), from raw's mean top-1. */
export function goalLines(
  rows: readonly StudyRow[],
  priors: number,
  g: Goal,
): { top1: number; cmap: number } | null {
  const raw = findRaw(rows);
  return raw ? { top1: raw.top1.mean - g.top1Points / 100, cmap: priors + g.cmapPoints / 100 } : null;
}

/**
 * The goal on the means: PASS when some learned row (not a baseline) meets both halves; the
 * measured text gives every learned row's distance to each line, best first.
 */
export function goalCheck(rows: readonly StudyRow[], priors: number, g: Goal): TargetCheck[] {
  const what =
    `goal (beyond the paper): action top-1 within ${g.top1Points} points of raw and ` +
    `cMAP within ${g.cmapPoints} points of the attribute priors (${(priors * 100).toFixed(1)}%)`;
  const lines = goalLines(rows, priors, g);
  if (!lines) return [{ what, passed: false, measured: `no '${RAW}' row in the table` }];
  const learned = rows.filter((r) => r.kind !== 'baseline');
  if (learned.length === 0) return [{ what, passed: false, measured: 'no learned row in the table' }];
  const gap = (r: StudyRow): { top1: number; cmap: number } => ({
    top1: (lines.top1 - r.top1.mean) * 100, // > 0: points short of the top-1 line
    cmap: (r.cmap.mean - lines.cmap) * 100, // > 0: points above the cMAP line
  });
  const short = (r: StudyRow): number => Math.max(0, gap(r).top1) + Math.max(0, gap(r).cmap);
  const sorted = [...learned].sort((a, b) => short(a) - short(b));
  const met = sorted.filter((r) => short(r) <= EPS * 100);
  const text = (r: StudyRow): string => {
    const d = gap(r);
    const part = (v: number, over: string): string =>
      v > 0 ? `${v.toFixed(1)} points ${over}` : `met by ${(-v).toFixed(1)}`;
    return (
      `${r.method} (top-1 ${formatEstimate(r.top1)}: ${part(d.top1, 'short')}; ` +
      `cMAP ${formatEstimate(r.cmap)}: ${part(d.cmap, 'too high')})`
    );
  };
  return [
    {
      what,
      passed: met.length > 0,
      measured:
        `lines at top-1 ${(lines.top1 * 100).toFixed(1)}% and cMAP ${(lines.cmap * 100).toFixed(1)}%; ` +
        sorted.map(text).join('; '),
    },
  ];
}
