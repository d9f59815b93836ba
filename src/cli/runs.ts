// `veil runs`: the workspace's run registry, opened read-only: list runs, show one (its config,
// per-epoch metrics and results), compare runs side by side whichever command made them.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { UsageError } from '../data/errors.js';
import { meanStd } from '../eval/metrics.js';
import { baselines } from '../method/baselines.js';
import { type ExperimentConfig, minimaxRuns } from '../runs/experiment.js';
import { Registry, type RunRow } from '../runs/registry.js';
import { defineCommand, execute, JSON_OUT, WORKSPACE } from './flags.js';

export interface Stat {
  mean: number;
  std: number;
  /** Values averaged (seeds; 1 for a minimax run's last epoch). */
  n: number;
}

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
}

const BASELINES = baselines().map((b) => b.name);

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function stat(v: number[] | undefined): Stat | null {
  if (!v || v.length === 0) return null;
  return { ...meanStd(v), n: v.length };
}

/** B and lambda of one result row of a run, from the run's config. */
function settings(r: RunRow, method: string): { B: number | null; lambda: number | null } {
  const c = (r.config ?? {}) as Record<string, unknown>;
  if (r.kind === 'experiment') {
    try {
      const m = minimaxRuns(c as unknown as ExperimentConfig).find((x) => x.name === method);
      if (m) return { B: m.kind === 'spact' ? null : num(m.method.B), lambda: num(m.method.lambda) };
    } catch {
      // a config from another version: no settings
    }
    return { B: null, lambda: null };
  }
  if (r.kind === 'eval') {
    const a = (c.anonymizer ?? {}) as Record<string, unknown>;
    return { B: num(a.B), lambda: num(a.lambda) };
  }
  return { B: num(c.B), lambda: num(c.lambda) };
}

/** An experiment's methods in the order it ran them: the baselines, SPAct, veil by B. */
function order(r: RunRow, method: string): number {
  if (r.kind !== 'experiment') return 0;
  let names: string[] = [];
  try {
    names = [...BASELINES, ...minimaxRuns(r.config as ExperimentConfig).map((m) => m.name)];
  } catch {
    // a config from another version: the registry's order
  }
  const i = names.indexOf(method);
  return i < 0 ? names.length : i;
}

export function compareRows(reg: Registry, r: RunRow): CompareRow[] {
  const by = new Map<string, { seeds: Set<number>; m: Map<string, number[]> }>();
  for (const x of reg.results(r.id)) {
    const e = by.get(x.method) ?? { seeds: new Set<number>(), m: new Map<string, number[]>() };
    e.seeds.add(x.seed);
    e.m.set(x.metric, [...(e.m.get(x.metric) ?? []), x.value]);
    by.set(x.method, e);
  }
  if (by.size > 0)
    return [...by]
      .sort(([a], [b]) => order(r, a) - order(r, b))
      .map(([method, e]) => ({
        run: r.id,
        kind: r.kind,
        method,
        ...settings(r, method),
        seeds: e.seeds.size,
        top1: stat(e.m.get('top1')),
        cmap: stat(e.m.get('cmap')),
        f1: stat(e.m.get('f1')),
        source: 'protocol' as const,
      }));
  // A minimax run has epochs only: its last epoch's validation numbers.
  const epochs = reg.epochs(r.id);
  const last = Math.max(-Infinity, ...epochs.map((e) => e.epoch));
  const at = (metric: string): Stat | null => {
    const e = epochs.find((x) => x.epoch === last && x.metric === metric);
    return e ? stat([e.value]) : null;
  };
  const top1 = at('valTop1');
  const cmap = at('valPrivacyMatch');
  return [
    {
      run: r.id,
      kind: r.kind,
      method: r.name,
      ...settings(r, r.name),
      seeds: null,
      top1,
      cmap,
      f1: null,
      source: top1 || cmap ? 'validation' : 'none',
    },
  ];
}

function table(rows: string[][]): string {
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 2 || i === 1 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const pct = (s: Stat | null, k: number, digits: number): string =>
  !s
    ? '-'
    : s.n > 1
      ? `${(s.mean * k).toFixed(digits)}±${(s.std * k).toFixed(digits)}`
      : (s.mean * k).toFixed(digits);
const opt = (v: number | null): string => (v === null ? '-' : String(v));

const VERBS = ['list', 'show', 'compare'] as const;

export const command = defineCommand({
  name: 'runs',
  summary: 'list, show and compare the runs of a workspace (SQLite registry)',
  usage: '[list] [options]\nshow ID [options]\ncompare ID... [options]',
  description:
    'list: every run with its kind, status and name (a run whose process is gone reads interrupted).\n' +
    'show: a run, its config, its per-epoch metrics and its results.\n' +
    'compare: runs side by side (run, kind, method, B, lambda, seeds, top-1, cMAP, F1 as mean±std over\n' +
    "seeds); a minimax run shows its last epoch's validation top-1 and, under cMAP, f_B's instance-match\n" +
    'accuracy (the label-free privacy score it is selected by).\n' +
    'The registry (<workspace>/runs.sqlite) is opened read-only.',
  positionals: [
    { name: 'VERB', choices: VERBS, help: 'list (the default), show or compare' },
    { name: 'ID', variadic: true, help: 'run ids (veil runs lists them)' },
  ],
  flags: [WORKSPACE, JSON_OUT],
  async run({ values, positionals }) {
    const [verb = 'list', ...rest] = positionals as [(typeof VERBS)[number] | undefined, ...string[]];
    const ids = rest.map((s) => {
      if (!/^\d+$/.test(s)) throw new UsageError(`a run id is an integer, got '${s}'`);
      return Number(s);
    });
    if (verb === 'list' && ids.length)
      throw new UsageError(`veil runs list takes no ids (got ${rest.join(' ')})`);
    if (verb === 'show' && ids.length !== 1) throw new UsageError('veil runs show takes one run id');
    if (verb === 'compare' && ids.length === 0)
      throw new UsageError('veil runs compare takes one or more run ids');
    const ws = resolve(values.workspace);
    if (!existsSync(join(ws, 'runs.sqlite')))
      throw new UsageError(
        `${join(ws, 'runs.sqlite')} does not exist: no runs recorded in ${ws} (--workspace DIR)`,
      );
    const reg = Registry.forWorkspace(ws, { readOnly: true });
    const out = (s: string): boolean => process.stdout.write(`${s}\n`);
    try {
      const all = reg.runs();
      const get = (id: number): RunRow => {
        const r = all.find((x) => x.id === id);
        if (!r) throw new UsageError(`no run ${id} in ${reg.file} (veil runs lists them)`);
        return r;
      };
      if (verb === 'list') {
        if (values.json) out(JSON.stringify(all, null, 2));
        else
          for (const r of all)
            out(
              `${String(r.id).padStart(4)}  ${r.kind.padEnd(10)} ${r.status.padEnd(11)} ${r.created}  ${r.name}`,
            );
      } else if (verb === 'show') {
        const r = get(ids[0] as number);
        const byEpoch = new Map<number, Record<string, number>>();
        for (const e of reg.epochs(r.id))
          byEpoch.set(e.epoch, { ...byEpoch.get(e.epoch), [e.metric]: e.value });
        const epochs = [...byEpoch].map(([epoch, metrics]) => ({ epoch, metrics }));
        const results = reg.results(r.id);
        if (values.json) {
          out(JSON.stringify({ ...r, epochs, results, compare: compareRows(reg, r) }, null, 2));
          return 0;
        }
        out(`run ${r.id}: ${r.kind} ${r.name} (${r.status}), created ${r.created}`);
        out(`config:\n${JSON.stringify(r.config, null, 2)}`);
        if (epochs.length) {
          out('epochs:');
          for (const e of epochs)
            out(
              `  epoch ${e.epoch}: ${Object.entries(e.metrics)
                .map(([k, v]) => `${k}=${v.toFixed(4)}`)
                .join(' ')}`,
            );
        }
        if (results.length) {
          out('results:');
          for (const x of results) out(`  ${x.method}  seed ${x.seed}  ${x.metric}=${x.value.toFixed(4)}`);
        }
      } else {
        const rows = ids.flatMap((id) => compareRows(reg, get(id)));
        if (values.json) {
          out(JSON.stringify(rows, null, 2));
          return 0;
        }
        const head = ['run', 'kind', 'method', 'B', 'lambda', 'seeds', 'top-1 (%)', 'cMAP (%)', 'F1'];
        out(
          table([
            head,
            ...rows.map((x) => [
              String(x.run),
              x.kind,
              x.method,
              opt(x.B),
              opt(x.lambda),
              opt(x.seeds),
              pct(x.top1, 100, 2),
              pct(x.cmap, 100, 2),
              pct(x.f1, 1, 3),
            ]),
          ]),
        );
        if (rows.some((x) => x.source === 'validation'))
          out(
            "(minimax runs: their last epoch's validation top-1, and f_B's instance-match accuracy under cMAP)",
          );
      }
    } finally {
      reg.close();
    }
    return 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
