// A row of `veil runs compare` and of the dashboard's runs table, as types alone: compare.ts builds
// it, and the dashboard's build reads this file too (why a declaration file: table_row.d.ts).
import type { Stat } from '../eval/report/table_row.js';

/** 'ablation': veil at one B with one thing changed (lambda, its rule, the penalty's gradient). */
export type MethodKind = 'baseline' | 'spact' | 'veil' | 'ablation';

/** One line of `veil runs compare`: a method of a run, with the same columns for every kind. */
export interface CompareRow {
  run: number;
  kind: string;
  method: string;
  B: number | null;
  lambda: number | null;
  seeds: number | null;
  top1: Stat | null;
  cmap: Stat | null;
  f1: Stat | null;
  /** protocol: fresh judges per seed; validation: a minimax run's last epoch (val top-1, f_B's instance match). */
  source: 'protocol' | 'validation' | 'none';
  /** What the method is: a baseline, SPAct, veil at a B, an ablation of veil; null for a minimax run's own row. */
  methodKind: MethodKind | null;
}
