// `veil runs`: the workspace's run registry: list runs, show one's epochs, compare results.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { meanStd } from '../eval/metrics.js';
import { Registry } from '../runs/registry.js';

const HELP = `usage: veil runs [--workspace DIR]            list runs
       veil runs show ID [--workspace DIR]    per-epoch metrics of a run
       veil runs compare ID... [--workspace DIR]  results of experiment runs side by side`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      workspace: { type: 'string', default: 'veil-demo' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const file = join(resolve(values.workspace), 'runs.sqlite');
  if (!existsSync(file))
    throw new Error(`${file} does not exist: no runs recorded in this workspace (--workspace)`);
  const reg = new Registry(file);
  try {
    const [verb, ...ids] = positionals;
    const num = (s: string): number => {
      const n = Number(s);
      if (!Number.isInteger(n)) throw new Error(`run id must be an integer, got '${s}'`);
      return n;
    };
    if (!verb) {
      for (const r of reg.runs())
        console.log(
          `${String(r.id).padStart(4)}  ${r.kind.padEnd(10)} ${r.status.padEnd(8)} ${r.created}  ${r.name}`,
        );
    } else if (verb === 'show') {
      const id = num(ids[0] ?? '');
      const r = reg.run(id);
      console.log(`run ${r.id}: ${r.kind} ${r.name} (${r.status})`);
      const byEpoch = new Map<number, string[]>();
      for (const e of reg.epochs(id))
        byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), `${e.metric}=${e.value.toFixed(4)}`]);
      for (const [e, m] of byEpoch) console.log(`  epoch ${e}: ${m.join(' ')}`);
    } else if (verb === 'compare') {
      if (ids.length === 0) throw new Error('veil runs compare: give one or more experiment run ids');
      for (const id of ids.map(num)) {
        console.log(`run ${id}: ${reg.run(id).name}`);
        const by = new Map<string, Map<string, number[]>>();
        for (const r of reg.results(id)) {
          const m = by.get(r.method) ?? new Map<string, number[]>();
          m.set(r.metric, [...(m.get(r.metric) ?? []), r.value]);
          by.set(r.method, m);
        }
        for (const [method, m] of by) {
          const f = (k: string, s: number): string => {
            const v = m.get(k);
            if (!v) return '-';
            const { mean, std } = meanStd(v);
            return `${(mean * s).toFixed(2)}±${(std * s).toFixed(2)}`;
          };
          console.log(
            `  ${method.padEnd(28)} top-1 ${f('top1', 100)}  cMAP ${f('cmap', 100)}  F1 ${f('f1', 1)}`,
          );
        }
      }
    } else throw new Error(`veil runs: unknown verb '${verb}'\n${HELP}`);
  } finally {
    reg.close();
  }
  return 0;
}
