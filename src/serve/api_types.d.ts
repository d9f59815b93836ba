// The JSON `veil serve` sends, as types alone: the server's handlers are checked against them
// (server.ts, compare.ts, models.ts), and the dashboard's pages read them (web/src/api.ts), one
// declaration for both sides. Why declaration files: src/eval/report/table_row.d.ts.
import type { Stat, TableRow } from '../eval/report/table_row.js';
import type { CompareRow, MethodKind } from '../runs/compare_row.js';
import type { EpochRow, ResultRow, RunRow } from '../runs/registry_rows.js';

export type { CompareRow, EpochRow, MethodKind, ResultRow, RunRow, Stat, TableRow };

/** GET /api/runs: every run of the registry, without its config (a run's page shows its own). */
export interface RunList {
  workspace: string;
  runs: RunSummary[];
}

export interface RunSummary extends Omit<RunRow, 'config'> {
  /** Whether the run has a folder of files (an eval has none). */
  hasFiles: boolean;
  rows: CompareRow[];
}

/** GET /api/runs/ID: a run with its config, its files, what it logged and its rows. */
export interface RunDetail {
  run: RunRow;
  /** Its folder, relative to the workspace. */
  dir: string | null;
  files: string[];
  epochs: EpochRow[];
  results: ResultRow[];
  rows: CompareRow[];
  /** Rows of its metrics.csv (0: none). */
  metricsRows: number;
  /** Whether it has TensorBoard event files (so a frame grid). */
  frames: boolean;
}

/** A chosen row of the Compare page: a Table 1 row of a method of a run. */
export interface CompareRowOut extends Omit<TableRow, 'top1Drop' | 'cmapDrop'> {
  run: number;
  /** The method's name in the plot: the method, with its run when two runs share it. */
  label: string;
  /** 'results.json' (intervals over the test set) or 'registry' (seeds only). */
  from: 'results.json' | 'registry';
  /** TableRow's drops; null when no raw data was judged alongside (NaN, which JSON writes as null). */
  top1Drop: number | null;
  cmapDrop: number | null;
}

/** GET /api/compare?r=RUN:METHOD...: the rows, chance when known, the privacy-utility plot. */
export interface CompareOut {
  rows: CompareRowOut[];
  chance: { top1: number; cmap: number } | null;
  svg: string;
}

/** GET /api/models: an anonymizer the Anonymize page can run. */
export interface ModelEntry {
  /** 'run:ID' (a run's fA.safetensors) or 'file:PATH' (an .onnx file, PATH relative to the workspace). */
  key: string;
  label: string;
  /** The registry name (unet-small), when known without exporting. */
  model: string | null;
  /** The training resolution 'HxW', when recorded. */
  input: string | null;
}

/** GET /api/model?key=KEY: the entry and its ONNX graph's facts (/api/model.onnx gives its bytes). */
export interface ModelInfo extends ModelEntry {
  /** H and W of the input must be multiples of it. */
  stride: number;
  bytes: number;
  metadata: Record<string, string>;
}
