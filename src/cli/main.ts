// The `veil` command line: one file per command under src/cli/, each exporting
// `run(argv): Promise<number>` (the exit code). This file only picks the command.
type Command = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const COMMANDS: Record<string, Command> = {
  models: {
    summary: 'list the networks with parameter counts and GFLOPs',
    load: () => import('./models.js'),
  },
  'data check': {
    summary: 'scan a dataset folder for unreadable or empty videos',
    load: () => import('./data-check.js'),
  },
  'data synth': {
    summary: 'write SynthPAR to disk in the UCF101/VISPR layouts',
    load: () => import('./data-synth.js'),
  },
  engine: {
    summary: 'print the libtorch build, threads and devices veil runs on',
    load: () => import('./engine.js'),
  },
  anonymize: {
    summary: 'apply a trained anonymizer to videos, images, folders or stdin',
    load: () => import('./anonymize.js'),
  },
  export: {
    summary: 'write an anonymizer checkpoint as an ONNX graph',
    load: () => import('./export.js'),
  },
  demo: {
    summary: 'SynthPAR -> pre-training -> SPAct and the B sweep -> baselines -> evaluation -> report',
    load: () => import('./demo.js'),
  },
  pretrain: {
    summary: 'pre-train f_A (anonymizer), f_B (privacy) or f_T (action)',
    load: () => import('./pretrain.js'),
  },
  train: {
    summary: 'the two-step minimax (veil; --lambda 0 is SPAct), with exact --resume',
    load: () => import('./train.js'),
  },
  eval: {
    summary: 'judge an anonymizer with fresh action and attacker models (--seeds N)',
    load: () => import('./eval.js'),
  },
  report: {
    summary: 'Table 1, privacy-utility plot, loss curves, frames and an HTML page from results.json',
    load: () => import('./report.js'),
  },
  runs: {
    summary: 'list and compare the runs of a workspace (SQLite registry)',
    load: () => import('./runs.js'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([k, c]) => `  veil ${k.padEnd(width)}  ${c.summary}`);
  return ['usage: veil <command> [options]   (veil <command> --help for its options)', '', ...lines].join(
    '\n',
  );
}

export async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    console.log(usage());
    return argv.length === 0 ? 2 : 0;
  }
  const two = argv.slice(0, 2).join(' ');
  const [name, rest] = COMMANDS[two] ? [two, argv.slice(2)] : [argv[0] as string, argv.slice(1)];
  const cmd = COMMANDS[name];
  if (!cmd) {
    console.error(`veil: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  try {
    return await (await cmd.load()).run(rest);
  } catch (e) {
    console.error(`veil ${name}: ${(e as Error).message}`);
    return 1;
  }
}
