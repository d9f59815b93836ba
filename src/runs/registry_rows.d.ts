// The run registry's rows (runs.sqlite), as types alone: registry.ts reads them, and `veil serve`
// sends them to the dashboard, whose build reads this file too (why a declaration file:
// src/eval/report/table_row.d.ts).

export interface RunRow {
  id: number;
  kind: string;
  name: string;
  /** 'running', 'done', 'failed', or 'interrupted' (its process is gone without finishing it). */
  status: string;
  created: string;
  config: unknown;
  /** The folder of its files (metrics.csv, event files, fA.safetensors), relative to the workspace; null when it has none or was recorded before runs named it. */
  dir: string | null;
}

/** One number a run logged at an epoch (losses, validation metrics). */
export interface EpochRow {
  epoch: number;
  metric: string;
  value: number;
}

/** One protocol number of a method of a run, at one seed. */
export interface ResultRow {
  run: number;
  method: string;
  seed: number;
  metric: string;
  value: number;
}
