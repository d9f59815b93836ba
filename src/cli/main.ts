// The `veil` command line: one file per command under src/cli/, each declaring its flags as data
// (flags.ts generates the parser, the validation and the --help text from them). This file only
// picks the command, and turns what happens into the process's exit code:
//
//   0    success
//   1    failure: the work went wrong (a missing or broken file, a failed run, a problem that
//        `veil data check` found, a file `veil anonymize` could not do)
//   2    usage: the command line is wrong (an unknown command, verb or flag, a missing or bad
//        value, an output that would overwrite its input, a run that exists). Any error with
//        `exitCode: 2` (UsageError in src/data/errors.ts), wherever it is thrown, exits 2.
//   130  interrupted by Ctrl-C (SIGINT); 143 by SIGTERM. `veil anonymize` finishes the batch in
//        hand, removes the partial output and prints its summary first; other commands stop at once.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { UsageError } from '../data/errors.js';
import { type Command, execute, helpText, reportError } from './flags.js';

type Loader = () => Promise<{ command: Command }>;

/** Every command, in the order `veil help` lists them. */
export const COMMANDS: Record<string, Loader> = {
  models: () => import('./models.js'),
  'data check': () => import('./data-check.js'),
  'data synth': () => import('./data-synth.js'),
  engine: () => import('./engine.js'),
  anonymize: () => import('./anonymize.js'),
  export: () => import('./export.js'),
  demo: () => import('./demo.js'),
  pretrain: () => import('./pretrain.js'),
  train: () => import('./train.js'),
  eval: () => import('./eval.js'),
  report: () => import('./report.js'),
  runs: () => import('./runs.js'),
  serve: () => import('./serve.js'),
};

/** package.json's version. */
export function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
  return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

async function overview(): Promise<string> {
  const cmds = await Promise.all(Object.values(COMMANDS).map(async (l) => (await l()).command));
  const width = Math.max(...cmds.map((c) => c.name.length));
  return [
    'usage: veil <command> [options]',
    '',
    'commands:',
    ...cmds.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'veil help <command> (or veil <command> --help) lists its options; veil --version prints the version.',
    'Exit codes: 0 ok, 1 failure, 2 usage error, 130 interrupted (Ctrl-C).',
  ].join('\n');
}

/** The command named at the start of argv (one word or two: 'data check'), and the rest. */
function pick(argv: string[]): { name: string; rest: string[] } {
  const two = argv.slice(0, 2).join(' ');
  if (COMMANDS[two]) return { name: two, rest: argv.slice(2) };
  const first = argv[0] as string;
  if (COMMANDS[first]) return { name: first, rest: argv.slice(1) };
  const verbs = Object.keys(COMMANDS)
    .filter((k) => k.startsWith(`${first} `))
    .map((k) => k.slice(first.length + 1));
  if (verbs.length)
    throw new UsageError(
      argv[1] === undefined || argv[1].startsWith('-')
        ? `'${first}' needs a verb: ${verbs.join(' or ')}`
        : `unknown verb '${first} ${argv[1]}'; '${first}' takes ${verbs.join(' or ')}`,
    );
  throw new UsageError(`unknown command '${first}'`);
}

export async function main(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === '--version' || first === '-V') {
    process.stdout.write(`veil ${version()}\n`);
    return 0;
  }
  if (first === undefined) {
    process.stderr.write(`${await overview()}\n`);
    return 2;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const topic = argv.slice(1);
    if (topic.length === 0) {
      process.stdout.write(`${await overview()}\n`);
      return 0;
    }
    const group = Object.keys(COMMANDS).filter((k) => topic.length === 1 && k.startsWith(`${topic[0]} `));
    if (group.length) {
      const cmds = await Promise.all(group.map(async (k) => (await COMMANDS[k]!()).command));
      process.stdout.write(`${cmds.map((c) => `veil ${c.name}  ${c.summary}`).join('\n')}\n`);
      return 0;
    }
    try {
      const { name, rest } = pick(topic);
      if (rest.length) throw new UsageError(`veil help takes a command, got '${topic.join(' ')}'`);
      process.stdout.write(`${helpText((await COMMANDS[name]!()).command)}\n`);
      return 0;
    } catch (e) {
      return helpless(e);
    }
  }
  let picked: { name: string; rest: string[] };
  try {
    picked = pick(argv);
  } catch (e) {
    return helpless(e);
  }
  let cmd: Command;
  try {
    cmd = (await COMMANDS[picked.name]!()).command;
  } catch (e) {
    return reportError(picked.name, e); // a module that cannot load (VEIL_THREADS out of range)
  }
  return execute(cmd, picked.rest);
}

/** An error before any command was picked. */
function helpless(e: unknown): number {
  process.stderr.write(`veil: ${(e as Error).message}\n(veil help)\n`);
  return 2;
}
