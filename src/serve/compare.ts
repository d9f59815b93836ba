// The Compare page's numbers: chosen rows of the runs table (a method of a run) as Table 1 rows,
// drops from raw data, and the report's privacy-utility plot of them. An experiment's rows come
// from its results.json when the workspace's results.json is that experiment's (then each top-1
// and cMAP carries its 95% bootstrap interval over the test set, and chance is known); other
// runs' rows from the registry's per-seed results (mean ± std over seeds, no interval).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { type ReportInput, readResults } from '../eval/report/index.js';
import { privacyUtilitySvg } from '../eval/report/plots.js';
import { type TableInput, type TableRow, tableRows } from '../eval/report/table.js';
import { RAW } from '../eval/stats.js';
import { compareRows } from '../runs/compare.js';
import type { Registry, RunRow } from '../runs/registry.js';
import type { CompareOut, CompareRowOut } from './api_types.js';
import { badRequest, HttpError } from './http_error.js';

export interface CompareKey {
  run: number;
  method: string;
}

/** 'ID:METHOD' (the method may hold colons and commas). */
export function parseKey(s: string): CompareKey {
  const m = /^(\d{1,9}):(.{1,200})$/s.exec(s);
  if (!m) throw badRequest(`a compared row is RUN:METHOD (e.g. 3:raw data), got '${s.slice(0, 80)}'`);
  return { run: Number(m[1]), method: m[2] as string };
}

interface Source {
  inputs: TableInput[];
  testLabels?: number[][];
  chance: { top1: number; cmap: number } | null;
  from: CompareRowOut['from'];
}

export function compareRuns(workspace: string, reg: Registry, keys: readonly CompareKey[]): CompareOut {
  if (keys.length === 0) throw badRequest('choose one or more rows to compare (?r=RUN:METHOD)');
  if (keys.length > 100) throw badRequest(`at most 100 rows at once, got ${keys.length}`);
  const runs = reg.runs();
  // The workspace's results.json is the last finished experiment's (veil demo writes it at the end).
  const lastExperiment = runs.filter((r) => r.kind === 'experiment' && r.status === 'done').at(-1);
  const resultsFile = join(workspace, 'results.json');
  let results: ReportInput | null | undefined;
  const sources = new Map<number, Source>();
  const source = (r: RunRow): Source => {
    const known = sources.get(r.id);
    if (known) return known;
    let s: Source;
    if (r.id === lastExperiment?.id && existsSync(resultsFile)) {
      results ??= readResults(resultsFile);
      s = {
        inputs: results.methods,
        testLabels: results.testLabels,
        chance: results.chance,
        from: 'results.json',
      };
    } else {
      const by = new Map<string, TableInput>();
      for (const x of reg.results(r.id)) {
        const e: TableInput = by.get(x.method) ?? {
          method: x.method,
          kind: compareRows(reg, r).find((c) => c.method === x.method)?.methodKind ?? 'veil',
          B: null,
          top1: [],
          cmap: [],
          f1: [],
          f1LogitAbove05: [],
        };
        if (x.metric === 'top1' || x.metric === 'cmap' || x.metric === 'f1' || x.metric === 'f1LogitAbove05')
          e[x.metric].push(x.value);
        by.set(x.method, e);
      }
      const settings = new Map(compareRows(reg, r).map((c) => [c.method, c]));
      s = {
        inputs: [...by.values()].map((i) => ({ ...i, B: settings.get(i.method)?.B ?? null })),
        chance: null,
        from: 'registry',
      };
    }
    sources.set(r.id, s);
    return s;
  };
  const picked = keys.map((k) => {
    const r = runs.find((x) => x.id === k.run);
    if (!r) throw new HttpError(404, `no run ${k.run} in ${reg.file}`);
    const s = source(r);
    const input = s.inputs.find((i) => i.method === k.method);
    if (!input)
      throw new HttpError(
        404,
        `run ${k.run} (${r.kind} ${r.name}) has no protocol results for '${k.method}'` +
          (r.kind === 'minimax' ? ': a minimax run has validation numbers only; compare its eval' : ''),
      );
    return { k, r, s, input };
  });
  const firstRaw = picked.find((p) => p.input.method === RAW);
  const names = picked.map((p) => p.input.method);
  const rows = picked.map(({ k, s, input }) => {
    // Drops are from raw data judged alongside: the run's own, else the first raw data chosen.
    const raw = s.inputs.find((i) => i.method === RAW) ?? firstRaw?.input;
    const withRaw = raw && raw !== input ? [raw, input] : [input];
    const row = tableRows(withRaw, s.testLabels).at(-1) as TableRow;
    const shared = names.filter((n) => n === input.method).length > 1;
    return {
      ...row,
      run: k.run,
      label: shared ? `${input.method} (run ${k.run})` : input.method,
      from: s.from,
    };
  });
  const chance = picked.map((p) => p.s.chance).find((c) => c !== null) ?? null;
  const svg = privacyUtilitySvg(
    picked.map((p, i) => ({ ...p.input, method: (rows[i] as { label: string }).label })),
    chance,
    rows.map((r) => ({ ...r, method: r.label })),
  );
  // A drop with no raw data to drop from is NaN: null, as JSON would write it anyway.
  const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);
  const out = rows.map((r): CompareRowOut => ({
    ...r,
    top1Drop: orNull(r.top1Drop),
    cmapDrop: orNull(r.cmapDrop),
  }));
  return { rows: out, chance, svg };
}
