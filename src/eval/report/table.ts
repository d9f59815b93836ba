// The paper's Table 1 layout: per method the action top-1, the attacker's cMAP and F1, and the
// drops from raw data; mean and standard deviation over evaluation seeds.
import { meanStd } from '../metrics.js';
import { cmapEstimate, type Interval, top1Estimate } from '../stats.js';
import type { Stat, TableRow } from './table_row.js';

export type { Stat, TableRow };

const interval = ({ low, high }: Interval): Interval => ({ low, high });

export interface TableInput {
  method: string;
  kind: string;
  B: number | null;
  top1: number[];
  cmap: number[];
  f1: number[];
  f1LogitAbove05: number[];
  /** Per seed: each test video's hit and each test image's logits (results from before: absent). */
  correct?: number[][];
  scores?: number[][][];
}

const stat = (v: number[]): Stat => ({ ...meanStd(v), n: v.length });

/**
 * The table's rows; with `testLabels` and each method's per-item results, every top-1 and cMAP also
 * carries its 95% bootstrap interval over the test set (the mean over seeds of each resample).
 */
export function tableRows(methods: readonly TableInput[], testLabels?: readonly number[][]): TableRow[] {
  const raw = methods.find((m) => m.kind === 'baseline' && m.method === 'raw data');
  const r = raw ? { top1: meanStd(raw.top1).mean, cmap: meanStd(raw.cmap).mean } : null;
  return methods.map((m) => {
    const top1 = stat(m.top1);
    const cmap = stat(m.cmap);
    if (m.correct?.length) top1.ci = interval(top1Estimate(m.correct, { seed: m.method }));
    if (m.scores?.length && testLabels)
      cmap.ci = interval(cmapEstimate(m.scores, testLabels, { seed: m.method }));
    return {
      method: m.method,
      kind: m.kind,
      B: m.B,
      top1,
      cmap,
      f1: stat(m.f1),
      f1LogitAbove05: stat(m.f1LogitAbove05),
      top1Drop: r ? r.top1 - top1.mean : NaN,
      cmapDrop: r ? r.cmap - cmap.mean : NaN,
    };
  });
}

const pm = (s: Stat, scale: number, digits: number): string =>
  (s.n > 1
    ? `${(s.mean * scale).toFixed(digits)} ± ${(s.std * scale).toFixed(digits)}`
    : (s.mean * scale).toFixed(digits)) +
  (s.ci ? ` [${(s.ci.low * scale).toFixed(1)}, ${(s.ci.high * scale).toFixed(1)}]` : '');

/** Markdown: top-1 and cMAP in percent (as the paper prints them), F1 as a fraction. */
export function tableMarkdown(rows: readonly TableRow[]): string {
  const head =
    '| method | action top-1 (%) ↑ | privacy cMAP (%) ↓ | privacy F1 ↓ | F1, logits > 0.5 (original code) | top-1 drop from raw | cMAP drop from raw |';
  const sep = '|---|---|---|---|---|---|---|';
  const lines = rows.map(
    (r) =>
      `| ${r.method} | ${pm(r.top1, 100, 2)} | ${pm(r.cmap, 100, 2)} | ${pm(r.f1, 1, 3)} | ${pm(r.f1LogitAbove05, 1, 3)} | ${(r.top1Drop * 100).toFixed(2)} | ${(r.cmapDrop * 100).toFixed(2)} |`,
  );
  return [head, sep, ...lines].join('\n') + '\n';
}

/** Which attributes leak: the attacker's AP per attribute (mean over seeds), in percent. */
export function attributeMarkdown(
  methods: readonly { method: string; perAttributeAP?: number[][] }[],
  attributes: readonly string[],
): string {
  const rows = methods.filter((m) => m.perAttributeAP && m.perAttributeAP.length > 0);
  if (rows.length === 0) return '';
  const mean = (runs: number[][], k: number): number =>
    runs.reduce((s, r) => s + (r[k] ?? NaN), 0) / runs.length;
  const head = `| method | ${attributes.join(' | ')} |`;
  const sep = `|---|${attributes.map(() => '---').join('|')}|`;
  const lines = rows.map(
    (m) =>
      `| ${m.method} | ${attributes.map((_, k) => (mean(m.perAttributeAP as number[][], k) * 100).toFixed(1)).join(' | ')} |`,
  );
  return [head, sep, ...lines].join('\n') + '\n';
}
