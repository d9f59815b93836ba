// `veil demo`: SynthPAR -> pre-training -> SPAct and the B sweep -> every baseline -> the same
// evaluation protocol -> the report, at sizes two CPU cores finish in 15 minutes (--quick: 3).
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { writeReport } from '../eval/report/index.js';
import { runExperiment } from '../runs/experiment.js';
import { demoConfig } from '../runs/presets.js';

const HELP = `usage: veil demo [--quick] [--workspace DIR] [--seeds N] [--sweep B1,B2,...]

  --quick          toy sizes, under 3 minutes (the test suite runs it)
  --workspace DIR  where SynthPAR, checkpoints, runs.sqlite and the report go (default ./veil-demo)
  --seeds N        evaluation seeds per anonymizer (default 2; quick: 1)
  --sweep LIST     the distortion budgets B of veil's sweep (default 0.05,0.1,0.15,0.2; the paper's: 0.3,0.5,0.7,0.9)`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      workspace: { type: 'string' },
      seeds: { type: 'string' },
      sweep: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const seeds = values.seeds === undefined ? undefined : Number(values.seeds);
  if (seeds !== undefined && !(Number.isInteger(seeds) && seeds >= 1))
    throw new Error(`--seeds must be a positive integer, got '${values.seeds}'`);
  const sweep = values.sweep?.split(',').map((v) => {
    const b = Number(v);
    if (!(Number.isFinite(b) && b >= 0)) throw new Error(`--sweep: '${v}' is not a budget B >= 0`);
    return b;
  });
  const ws = resolve(values.workspace ?? (values.quick ? 'veil-demo-quick' : 'veil-demo'));
  const result = await runExperiment(demoConfig(ws, values.quick, seeds, sweep));
  const report = await writeReport(join(ws, 'results.json'), join(ws, 'report'));
  console.log(
    (await import('node:fs')).readFileSync(report.markdown, 'utf8').split('\n![')[0] +
      `\nreport: ${report.html}\ntime: ${result.seconds.toFixed(0)} s`,
  );
  return 0;
}
