// The rows `veil runs compare` prints and `veil serve` lists: every method of a run with the same
// columns (kind, method, B, lambda, seeds, top-1, cMAP, F1) whichever command made the run: the
// protocol's results per seed where the run has them, else a minimax run's last validation epoch.
import { meanStd } from '../eval/metrics.js';
import type { Stat } from '../eval/report/table_row.js';
import { baselines } from '../method/baselines.js';
import { type ExperimentConfig, minimaxRuns } from './experiment.js';
import type { CompareRow, MethodKind } from './compare_row.js';
import type { Registry, RunRow } from './registry.js';

export type { CompareRow, MethodKind, Stat };

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

/** A result row's kind: the experiment's plan says it; an eval run's anonymizer by its name and settings. */
function methodKind(r: RunRow, method: string): MethodKind | null {
  if (BASELINES.includes(method)) return 'baseline';
  if (r.kind === 'experiment') {
    try {
      return minimaxRuns(r.config as ExperimentConfig).find((m) => m.name === method)?.kind ?? null;
    } catch {
      return null; // a config from another version
    }
  }
  if (r.kind !== 'eval') return null;
  const { lambda } = settings(r, method);
  return lambda === 0 ? 'spact' : 'veil';
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
        methodKind: methodKind(r, method),
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
      methodKind: null,
    },
  ];
}
