// `veil runs`: the workspace's run registry, opened read-only: list runs, show one (its config,
// per-epoch metrics and results), compare runs side by side whichever command made them.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { UsageError } from '../data/errors.js';
import { compareRows, type Stat } from '../runs/compare.js';
import { Registry, type RunRow } from '../runs/registry.js';
import { defineCommand, execute, JSON_OUT, WORKSPACE } from './flags.js';

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
