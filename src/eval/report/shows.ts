// "What this shows": the report's reading of its own table, in sentences generated from the
// numbers (the calibration, who dominates whom beyond the intervals, veil against SPAct at each B,
// whether each budget held, what each ablation changed), so the words cannot drift from the table.
import {
  bestVeil,
  BLUNT,
  calibrationChecks,
  dominates,
  formatEstimate,
  paperClaimCheck,
  RAW,
  type StudyRow,
} from '../stats.js';

/** A learned run's per-epoch validation RMS, per minimax seed. */
export interface RunLogs {
  method: string;
  B: number | null;
  histories?: { val?: { rms: number; distortion?: number } }[][];
  history?: { val?: { rms: number; distortion?: number } }[];
}

const points = (v: number): string => (v * 100).toFixed(1);
const signed = (v: number): string => `${v >= 0 ? '+' : '-'}${points(Math.abs(v))}`;
const list = (xs: readonly string[]): string =>
  xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
/** Intervals that do not overlap: the difference is beyond the test set's sampling. */
const apart = (a: StudyRow['top1'], b: StudyRow['top1']): boolean => a.low > b.high || b.low > a.high;

/** "top-1 +1.2, cMAP -3.4 points; cMAP beyond the intervals." */
function difference(a: StudyRow, b: StudyRow, within: string): string {
  const beyond = [apart(a.top1, b.top1) ? 'top-1' : '', apart(a.cmap, b.cmap) ? 'cMAP' : '']
    .filter(Boolean)
    .join(' and ');
  return (
    `top-1 ${signed(a.top1.mean - b.top1.mean)}, cMAP ${signed(a.cmap.mean - b.cmap.mean)} points; ` +
    (beyond ? `${beyond} beyond the intervals.` : within)
  );
}

function calibration(rows: readonly StudyRow[]): string {
  const lines = calibrationChecks(rows);
  const failed = lines.filter((l) => !l.passed);
  const raw = rows.find((r) => r.method === RAW);
  const blunt = rows.filter((r) => BLUNT.includes(r.method));
  if (!raw) return 'There is no raw-data row: the dataset is not calibrated.';
  const costs = blunt
    .map((r) => `${r.method} ${points(raw.top1.mean - r.top1.mean)} / ${points(raw.cmap.mean - r.cmap.mean)}`)
    .join(', ');
  if (failed.length === 0)
    return (
      `**The dataset has a trade-off to find.** The judges read raw data well (top-1 ${formatEstimate(raw.top1)}, ` +
      `cMAP ${formatEstimate(raw.cmap)}) and blunt anonymization costs both (points of top-1 / cMAP lost: ${costs}): ` +
      'privacy bought bluntly costs the action, which is what a learned anonymizer must beat.'
    );
  return (
    `**The calibration fails** (${failed.map((l) => l.what.replace('calibration: ', '')).join('; ')}; ` +
    `points of top-1 / cMAP lost: ${costs}): until it holds, no row here is evidence for or against the paper's claim.`
  );
}

function dominance(rows: readonly StudyRow[]): string[] {
  const learned = rows.filter((r) => r.kind === 'veil' || r.kind === 'spact' || r.kind === 'ablation');
  const out: string[] = [];
  for (const l of learned) {
    const by = rows.filter(
      (o) => o !== l && (o.kind === 'baseline' || o.kind === 'spact') && dominates(o, l),
    );
    const over = rows.filter((o) => o.kind === 'baseline' && o.method !== RAW && dominates(l, o));
    if (by.length)
      out.push(
        `${l.method} is dominated by ${list(by.map((o) => o.method))}: more action and less leakage, beyond the intervals.`,
      );
    if (over.length)
      out.push(`${l.method} dominates ${list(over.map((o) => o.method))} beyond the intervals.`);
  }
  if (out.length === 0 && learned.length)
    out.push(
      'No learned row dominates a baseline and none is dominated beyond the intervals: the learned methods sit among the baselines, not above them.',
    );
  return out;
}

function againstSpact(rows: readonly StudyRow[]): string[] {
  const spact = rows.find((r) => r.kind === 'spact');
  if (!spact) return [];
  return rows
    .filter((r) => r.kind === 'veil')
    .map(
      (v) =>
        `${v.method} against SPAct: ${difference(v, spact, 'both within the intervals (no difference shown).')}`,
    );
}

function budgets(rows: readonly StudyRow[], runs: readonly RunLogs[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if ((r.kind !== 'veil' && r.kind !== 'ablation') || r.B === null) continue;
    const logs = runs.find((m) => m.method === r.method);
    const hs = logs?.histories ?? (logs?.history ? [logs.history] : []);
    const epochs = hs.flat().flatMap((e) => (e.val ? [e.val] : []));
    if (epochs.length === 0) continue;
    // What B bounds: RMS, or the run's other distortion where it has one (MethodConfig.distortion).
    const D = (v: { rms: number; distortion?: number }): number => v.distortion ?? v.rms;
    const what = epochs.some((e) => e.distortion !== undefined) ? 'distortion' : 'RMS';
    const within = epochs.filter((e) => D(e) <= (r.B as number) + 1e-9).length;
    const last = hs.map((h) => {
      const v = h.at(-1)?.val;
      return v ? D(v) : NaN;
    });
    out.push(
      `${r.method}: validation ${what} within B in ${within} of ${epochs.length} epochs over ${hs.length} minimax seed(s); ` +
        `at the last epoch ${last.map((v) => v.toFixed(3)).join(', ')} against B = ${r.B}` +
        (within === epochs.length ? ' (the budget held).' : within === 0 ? ' (the budget never held).' : '.'),
    );
  }
  return out;
}

function ablations(rows: readonly StudyRow[]): string[] {
  return rows
    .filter((r) => r.kind === 'ablation')
    .map((a) => {
      const ref = rows.find((r) => r.kind === 'veil' && r.B === a.B);
      if (!ref) return `${a.method}: no veil row at B = ${a.B} to compare with.`;
      return `${a.method} against ${ref.method} (the paper's lambda 1): ${difference(a, ref, 'within the intervals.')}`;
    });
}

function claim(rows: readonly StudyRow[]): string[] {
  if (!rows.some((r) => r.kind === 'veil')) return [];
  const lines = paperClaimCheck(rows);
  const best = bestVeil(rows);
  if (!best) return ["**The paper's claim fails:** every veil B is dominated by a baseline or by SPAct."];
  const failed = lines.filter((l) => !l.passed);
  return [
    failed.length === 0
      ? `**The paper's claim holds at ${best.method}:** top-1 ${formatEstimate(best.top1)} within 5 points of raw, ` +
        `cMAP ${formatEstimate(best.cmap)} below raw beyond the intervals, and every baseline that leaks as little keeps less action.`
      : `**The paper's claim fails at ${best.method}** (top-1 ${formatEstimate(best.top1)}, cMAP ${formatEstimate(best.cmap)}): ` +
        failed.map((l) => l.what.replace(/^paper's claim at [^:]*: /, '')).join('; ') +
        '.',
  ];
}

/** The report's "what this shows" bullets, from the study's rows and the learned runs' logs. */
export function whatThisShows(rows: readonly StudyRow[], runs: readonly RunLogs[]): string[] {
  return [
    calibration(rows),
    ...claim(rows),
    ...dominance(rows),
    ...againstSpact(rows),
    ...ablations(rows),
    ...budgets(rows, runs),
  ];
}
