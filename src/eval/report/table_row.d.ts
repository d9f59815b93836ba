// A row of the paper's Table 1, as types alone: the report builds it (table.ts), `veil serve`
// sends it to the Compare page, and the dashboard's build (web/tsconfig.json) reads this file as
// its own. A declaration file, because the web build may import one from outside its rootDir
// (web/src) where it may not import a .ts; it imports nothing, so the browser's build pulls in no
// Node code. Declaration files are not type-checked under skipLibCheck: test/lint/api_types.test.ts
// checks these on their own.

/** Mean and sample std over `n` values (seeds; 1 for a minimax run's last epoch). */
export interface Stat {
  mean: number;
  std: number;
  n: number;
  /** 95% bootstrap interval over the test videos or images, when the per-item results are there. */
  ci?: { low: number; high: number };
}

export interface TableRow {
  method: string;
  kind: string;
  B: number | null;
  top1: Stat;
  cmap: Stat;
  f1: Stat;
  f1LogitAbove05: Stat;
  /**
   * Raw's mean minus this method's (positive: lower than raw), in the metric's units; NaN when no
   * raw data was judged alongside (null in JSON).
   */
  top1Drop: number;
  cmapDrop: number;
}
