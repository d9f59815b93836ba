import assert from 'node:assert/strict';
import { test } from 'node:test';

import { meanStd } from '../../src/eval/metrics.js';
import { attributeMetrics } from '../../src/method/metrics.js';
import { checkLine } from '../../src/eval/report/checks.js';
import {
  bestVeil,
  bootstrapInterval,
  calibrationChecks,
  cmapEstimate,
  cmapInterval,
  dominates,
  formatEstimate,
  paperClaimCheck,
  paretoCheck,
  paretoFront,
  top1Estimate,
  top1Interval,
  type StudyRow,
} from '../../src/eval/stats.js';
import { Rng } from '../../src/data/rng.js';
import { est, row } from './rows.js';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) < tol, `${a} != ${b}`);

/** n items of which a fraction p are correct, in a shuffled order. */
function correctness(n: number, p: number, seed = 1): boolean[] {
  const k = Math.round(n * p);
  const perm = new Rng('test', seed).permutation(n);
  return Array.from(perm, (i) => i < k);
}

test('bootstrap: contains the mean, deterministic per seed, known degenerate cases', () => {
  const c = correctness(200, 0.8);
  const iv = top1Interval(c, { seed: 7 });
  assert.ok(iv.low < 0.8 && 0.8 < iv.high, `${iv.low} ${iv.high}`);
  assert.deepEqual(top1Interval(c, { seed: 7 }), iv);
  // Another seed draws other resamples (seen on a continuous statistic: top-1's quantiles are
  // multiples of 1/200 and often land on the same ones).
  const x = Array.from({ length: 50 }, (_, i) => Math.sin(i) + i / 50);
  const mean = (idx: number[]): number => idx.reduce((s, i) => s + (x[i] as number), 0) / idx.length;
  assert.deepEqual(bootstrapInterval(50, mean, { seed: 7 }), bootstrapInterval(50, mean, { seed: 7 }));
  assert.notDeepEqual(bootstrapInterval(50, mean, { seed: 8 }), bootstrapInterval(50, mean, { seed: 7 }));
  // The normal approximation: 0.8 ± 1.96 * sqrt(0.8 * 0.2 / 200) = 0.8 ± 0.055.
  close(iv.low, 0.8 - 0.0554, 0.015);
  close(iv.high, 0.8 + 0.0554, 0.015);
  assert.deepEqual(top1Interval([true, true, true, true]), { low: 1, high: 1 });
  assert.deepEqual(top1Interval([0, 0, 0]), { low: 0, high: 0 });
  assert.deepEqual(
    bootstrapInterval(5, () => 0.3, { resamples: 10 }),
    { low: 0.3, high: 0.3 },
  );
  // A wider level gives a wider interval, from the same resamples.
  const wide = top1Interval(c, { seed: 7, level: 0.99 });
  assert.ok(wide.low <= iv.low && wide.high >= iv.high);
  assert.throws(() => bootstrapInterval(0, () => 0), /n >= 1/);
  assert.throws(() => bootstrapInterval(3, () => 0, { level: 1 }), /level/);
  assert.throws(() => bootstrapInterval(3, () => NaN, { resamples: 10 }), /undefined on 10 of 10/);
});

test('bootstrap: the interval shrinks as the test set grows', () => {
  const width = (n: number): number => {
    const iv = top1Interval(correctness(n, 0.7), { seed: 3 });
    return iv.high - iv.low;
  };
  const w50 = width(50);
  const w800 = width(800);
  assert.ok(w800 < w50 / 2.5, `${w50} -> ${w800}`); // about 1/sqrt(16) = 1/4
});

test('cMAP interval through attributeMetrics, and estimates over seeds', () => {
  const rng = new Rng('cmap');
  const n = 120;
  const labels = Array.from({ length: n }, () => Uint8Array.from([0, 1, 2], () => (rng.bool(0.4) ? 1 : 0)));
  // A perfect attacker ranks every positive first: AP 1 on every resample.
  const perfect = labels.map((l) => Array.from(l, (v) => v * 2 - 1));
  assert.deepEqual(cmapInterval(perfect, labels, { resamples: 200 }), { low: 1, high: 1 });
  // A noisy attacker: the interval holds the full-set cMAP.
  const noisy = labels.map((l) => Array.from(l, (v) => v + 1.5 * rng.normal()));
  const full = attributeMetrics(noisy, labels).cmap;
  const iv = cmapInterval(noisy, labels, { resamples: 300, seed: 1 });
  assert.ok(iv.low < full && full < iv.high, `${iv.low} ${full} ${iv.high}`);
  assert.ok(iv.high - iv.low > 0.02);

  // Two seeds: mean ± std over their cMAP, one interval over the shared test images.
  const other = labels.map((l) => Array.from(l, (v) => v + 1.5 * rng.normal()));
  const e = cmapEstimate([noisy, other], labels, { resamples: 300 });
  const ms = meanStd([full, attributeMetrics(other, labels).cmap]);
  close(e.mean, ms.mean);
  close(e.std, ms.std);
  assert.ok(e.low < e.mean && e.mean < e.high);

  const t = top1Estimate([correctness(100, 0.6, 1), correctness(100, 0.7, 2)], { resamples: 300 });
  close(t.mean, 0.65);
  close(t.std, meanStd([0.6, 0.7]).std);
  assert.ok(t.low < 0.65 && 0.65 < t.high);
  assert.throws(() => top1Estimate([[true], [true, false]]), /same test videos/);
});

test('dominance needs both intervals apart; overlapping intervals do not dominate', () => {
  const a = row('A', 'baseline', null, [0.8, 0.78, 0.82], [0.4, 0.38, 0.42]);
  const b = row('B', 'veil', 0.3, [0.7, 0.68, 0.72], [0.5, 0.48, 0.52]);
  assert.ok(dominates(a, b));
  assert.ok(!dominates(b, a));
  // Better means, but the top-1 intervals overlap: the test set cannot tell them apart.
  const c = row('C', 'veil', 0.3, [0.77, 0.74, 0.79], [0.5, 0.48, 0.52]);
  assert.ok(!dominates(a, c));
  // Better means, but the cMAP intervals overlap.
  const d = row('D', 'veil', 0.3, [0.7, 0.68, 0.72], [0.43, 0.41, 0.45]);
  assert.ok(!dominates(a, d));
  // Touching intervals are not "beyond".
  const e = row('E', 'veil', 0.3, [0.7, 0.68, 0.78], [0.5, 0.42, 0.52]);
  assert.ok(!dominates(a, e));
});

test('Pareto front by means, sorted by cMAP', () => {
  const rows = [
    row('raw data', 'baseline', null, [0.95, 0.93, 0.97], [0.92, 0.9, 0.94]),
    row('downsample 4x', 'baseline', null, [0.5, 0.45, 0.55], [0.6, 0.55, 0.65]),
    row('obfuscation: blackening', 'baseline', null, [0.6, 0.55, 0.65], [0.5, 0.45, 0.55]),
    row('SPAct (lambda 0)', 'spact', null, [0.7, 0.65, 0.75], [0.7, 0.65, 0.75]),
    row('veil, B = 0.05', 'veil', 0.05, [0.9, 0.87, 0.93], [0.65, 0.62, 0.68]),
  ];
  assert.deepEqual(
    paretoFront(rows).map((r) => r.method),
    ['obfuscation: blackening', 'veil, B = 0.05', 'raw data'],
  );
  // Equal means: neither drops the other.
  const twin = { ...rows[4]!, method: 'twin' };
  assert.equal(paretoFront([rows[4]!, twin]).length, 2);
});

/** A study where veil works: near raw's action, far less leakage, beyond every baseline. */
const good = (): StudyRow[] => [
  row('raw data', 'baseline', null, [0.96, 0.94, 0.98], [0.93, 0.91, 0.95]),
  row('downsample 2x', 'baseline', null, [0.85, 0.82, 0.88], [0.85, 0.82, 0.88]),
  row('downsample 4x', 'baseline', null, [0.6, 0.56, 0.64], [0.72, 0.69, 0.75]),
  row('obfuscation: blackening', 'baseline', null, [0.55, 0.51, 0.59], [0.6, 0.57, 0.63]),
  row('obfuscation: strong blur', 'baseline', null, [0.65, 0.61, 0.69], [0.7, 0.67, 0.73]),
  row('obfuscation: weak blur', 'baseline', null, [0.9, 0.87, 0.93], [0.88, 0.85, 0.91]),
  row('SPAct (lambda 0)', 'spact', null, [0.8, 0.77, 0.83], [0.7, 0.67, 0.73]),
  // Dominated by raw data (less action and more leakage, beyond the intervals), though its top-1
  // is the highest of the veil rows.
  row('veil, B = 0.01', 'veil', 0.01, [0.935, 0.93, 0.938], [0.97, 0.96, 0.98]),
  row('veil, B = 0.05', 'veil', 0.05, [0.93, 0.91, 0.95], [0.66, 0.63, 0.69]),
  row('veil, B = 0.1', 'veil', 0.1, [0.88, 0.85, 0.91], [0.62, 0.59, 0.65]),
];

test('a working veil: Pareto, the claim and calibration PASS, and the report prints them', () => {
  const rows = good();
  const [pareto] = paretoCheck(rows);
  assert.ok(pareto?.passed, pareto?.measured);
  assert.match(pareto!.measured, /not dominated: veil, B = 0.05 \(top-1 93.0% \[91.0, 95.0\]/);
  assert.match(pareto!.measured, /raw data dominates veil, B = 0.01/);
  assert.match(checkLine(pareto!), /^PASS Pareto: /);

  // B = 0.01 has the highest top-1 of the veil rows but is dominated, so the best B is 0.05.
  assert.equal(bestVeil(rows)?.method, 'veil, B = 0.05');
  const claim = paperClaimCheck(rows);
  assert.equal(claim.length, 3);
  for (const c of claim) assert.ok(c.passed, checkLine(c));
  assert.match(claim[0]!.what, /best B \(veil, B = 0.05/);
  assert.match(claim[0]!.measured, /3.0 points below raw/);
  assert.match(claim[2]!.measured, /lower top-1 than 93.0% \[91.0, 95.0\]: obfuscation: blackening/);

  const cal = calibrationChecks(rows);
  assert.equal(cal.length, 8);
  for (const c of cal) assert.ok(c.passed, checkLine(c));
  assert.equal(cal[0]!.what, 'calibration: raw data action top-1 >= 90.0%');
  assert.equal(
    cal[2]!.what,
    'calibration: obfuscation: blackening lowers action top-1 by >= 20.0 points from raw',
  );
  assert.equal(cal[2]!.measured, '55.0% [51.0, 59.0] vs raw 96.0% [94.0, 98.0]: 41.0 points lower');
});

test('a useless anonymizer (every veil row under blackening) FAILs, naming what dominates it', () => {
  const rows = good().map((r) =>
    r.kind === 'veil' ? { ...r, top1: est(0.4, 0.36, 0.44), cmap: est(0.75, 0.72, 0.78) } : r,
  );
  const [pareto] = paretoCheck(rows);
  assert.equal(pareto?.passed, false);
  assert.match(pareto!.measured, /^every veil row is dominated: /);
  assert.match(
    pareto!.measured,
    /obfuscation: blackening dominates veil, B = 0.05: top-1 55.0% \[51.0, 59.0\] above 40.0% \[36.0, 44.0\], cMAP 60.0% \[57.0, 63.0\] below 75.0% \[72.0, 78.0\]/,
  );
  assert.match(checkLine(pareto!), /^FAIL Pareto: /);

  assert.equal(bestVeil(rows), undefined);
  const claim = paperClaimCheck(rows);
  assert.equal(claim.length, 1);
  assert.equal(claim[0]!.passed, false);
  assert.match(claim[0]!.measured, /no veil row survives.*obfuscation: blackening dominates veil, B = 0.1/);
});

test('an identity anonymizer escapes the Pareto target but fails the claim on cMAP', () => {
  const raw = good()[0]!;
  const rows = [
    ...good().filter((r) => r.kind !== 'veil'),
    { ...raw, method: 'veil, B = 0.05', kind: 'veil', B: 0.05 },
  ];
  assert.equal(paretoCheck(rows)[0]?.passed, true);
  const claim = paperClaimCheck(rows);
  assert.equal(claim[0]?.passed, true); // same action as raw
  assert.equal(claim[1]?.passed, false);
  assert.match(claim[1]!.measured, /upper bound 95.0 not below raw's lower bound 91.0/);
  // Raw data hides as well (equal cMAP) and acts as well (equal top-1): the third part fails too.
  assert.equal(claim[2]?.passed, false);
  assert.match(claim[2]!.measured, /: raw data \(top-1 96.0%/);
});

test("the claim's third part fails on a baseline that hides as well and acts as well", () => {
  const rows = good();
  // Within the intervals of veil, so it does not dominate; by means it hides more and acts more.
  rows.push(row('VITA', 'baseline', null, [0.935, 0.91, 0.96], [0.655, 0.62, 0.69]));
  assert.equal(bestVeil(rows)?.method, 'veil, B = 0.05');
  const claim = paperClaimCheck(rows);
  assert.equal(claim[2]?.passed, false);
  assert.match(claim[2]!.measured, /with top-1 at or above its 93.0% \[91.0, 95.0\]: VITA \(top-1 93.5%/);
  // The top-1 part fails when the best B is more than 5 points under raw.
  const far = good().map((r) => (r.method === 'raw data' ? { ...r, top1: est(0.99, 0.985, 0.995) } : r));
  assert.equal(paperClaimCheck(far)[0]?.passed, false);
  assert.match(paperClaimCheck(far)[0]!.measured, /6.0 points below raw/);
});

test('calibration FAILs from the numbers: weak judges, mild baselines, missing rows', () => {
  const rows = good().map((r) => {
    if (r.method === 'raw data') return { ...r, cmap: est(0.85, 0.82, 0.88) };
    if (r.method === 'obfuscation: strong blur') return { ...r, top1: est(0.8, 0.77, 0.83) };
    return r;
  });
  const cal = calibrationChecks(
    rows.filter((r) => r.method !== 'downsample 4x'),
    {},
  );
  const by = (what: string) => cal.find((c) => c.what.includes(what));
  assert.equal(by('raw data action top-1')?.passed, true);
  assert.equal(by('raw data privacy cMAP')?.passed, false);
  assert.equal(by('raw data privacy cMAP')?.measured, '85.0% [82.0, 88.0]');
  assert.equal(by('strong blur lowers action top-1')?.passed, false);
  assert.match(by('strong blur lowers action top-1')!.measured, /16.0 points lower/);
  assert.equal(by('downsample 4x lowers action top-1')?.passed, false);
  assert.equal(by('downsample 4x lowers action top-1')?.measured, 'no such row in the table');
  // Exactly at the threshold passes, despite floating point (0.95 - 0.75 < 0.2 in doubles).
  const edge = [
    row('raw data', 'baseline', null, [0.95, 0.93, 0.97], [0.95, 0.93, 0.97]),
    row('downsample 4x', 'baseline', null, [0.75, 0.7, 0.8], [0.8, 0.75, 0.85]),
  ];
  const e = calibrationChecks(edge, { blunt: ['downsample 4x'] });
  assert.deepEqual(
    e.map((c) => c.passed),
    [true, true, true, true],
  );
  assert.equal(calibrationChecks(edge.slice(1))[0]?.passed, false);
  assert.equal(formatEstimate(est(0.809, 0.781, 0.836, 0.012), { std: true }), '80.9% ± 1.2 [78.1, 83.6]');
});
