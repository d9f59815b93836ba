// `veil demo`: SynthPAR -> pre-training -> SPAct and the B sweep -> every baseline -> the same
// evaluation protocol -> the report, at sizes two CPU cores finish in 15 minutes (--quick: 3).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { writeReport } from '../eval/report/index.js';
import { runExperiment } from '../runs/experiment.js';
import { defaultLanes } from '../runs/lanes.js';
import { deviceOption } from '../runs/options.js';
import { DEMO_SWEEP, demoConfig, REPORT_SEED, STUDIES, type Study } from '../runs/presets.js';
import { DEVICE, defineCommand, execute, QUIET, WORKSPACE } from './flags.js';
import { CONSOLE, SILENT } from '../runs/progress.js';

export const command = defineCommand({
  name: 'demo',
  summary: 'SynthPAR -> pre-training -> SPAct and the B sweep -> baselines -> evaluation -> report',
  usage: '[options]',
  description:
    'Runs the whole study in the workspace (SynthPAR, backbones, checkpoints, runs.sqlite, results.json,\n' +
    'report/) and prints the report; what is already there with the same settings is reused.',
  positionals: [],
  flags: [
    { name: 'quick', type: 'boolean', help: 'toy sizes, a few minutes (the test suite runs it)' },
    WORKSPACE,
    {
      name: 'seeds',
      type: 'int',
      min: 1,
      placeholder: 'N',
      defaultText: '2; with --quick 1',
      help: 'evaluation seeds (fresh judges) per anonymizer',
    },
    {
      name: 'sweep',
      type: 'list',
      min: 0,
      placeholder: 'B1,B2,...',
      defaultText: `${DEMO_SWEEP.join(',')}; the paper's: 0.3,0.5,0.7,0.9`,
      help: "the distortion budgets B of veil's sweep",
    },
    {
      name: 'study',
      type: 'string',
      choices: STUDIES,
      placeholder: STUDIES.join('|'),
      default: 'main',
      help:
        'main: the whole study; calibration: the dataset alone (judges and baselines, no method); ' +
        'ablations: main plus veil at one B with lambda, its rule or the penalty gradient changed; ' +
        'beyond: the variants beyond the paper (f_B ensemble and restarts, motion-aware f_A) against the goal',
    },
    {
      name: 'data-seed',
      type: 'int',
      min: 0,
      placeholder: 'N',
      defaultText: `${REPORT_SEED}, the reported draw (SynthPAR was tuned on draw 7)`,
      help: 'the SynthPAR draw to study',
    },
    DEVICE,
    {
      name: 'lanes',
      type: 'int',
      min: 1,
      placeholder: 'N',
      defaultText: '2 on a CPU of two or more cores (VEIL_THREADS = cores / N each), 1 on a GPU',
      help:
        'processes the independent work (backbones, minimax runs, judges) is spread over; 1 runs it ' +
        'all in this one',
    },
    QUIET,
  ],
  async run({ values }) {
    const ws = resolve(values.workspace);
    const device = deviceOption(values.device);
    const cfg = demoConfig(ws, {
      quick: values.quick,
      seeds: values.seeds,
      sweep: values.sweep,
      study: values.study as Study,
      dataSeed: values['data-seed'],
      device,
    });
    const lanes = values.lanes ?? defaultLanes(device);
    const result = await runExperiment(cfg, values.quiet ? SILENT : CONSOLE, { lanes });
    const report = await writeReport(join(ws, 'results.json'), join(ws, 'report'));
    console.log(
      readFileSync(report.markdown, 'utf8').split('\n![')[0] +
        `\nreport: ${report.html}\ntime: ${result.seconds.toFixed(0)} s`,
    );
    return 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
