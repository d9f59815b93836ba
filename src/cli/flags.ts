// The flags of every `veil` command, as data. A command declares its positionals and a table of
// FlagSpec; from that one table come the parser (node:util parseArgs, strict), the validation
// (integers are integers, choices are checked, min and max), a typed values object, and the
// `--help` text with each flag's meaning and default. Every mistake in a command line throws
// UsageError (exit code 2); `execute` turns errors into exit codes (see main.ts).
import { parseArgs } from 'node:util';

import { UsageError } from '../data/errors.js';

export type FlagType = 'string' | 'int' | 'number' | 'boolean' | 'list';

/** A value, or a function giving it when the command line is parsed (an environment variable). */
type Lazy<V> = V | (() => V);

export interface FlagSpec {
  /** kebab-case, without the dashes; also the key of the parsed value. */
  readonly name: string;
  /** One letter: `-o`. */
  readonly short?: string;
  /** 'list': comma-separated numbers. Booleans are false unless given. */
  readonly type: FlagType;
  /** What the flag means, for --help. */
  readonly help: string;
  readonly default?: Lazy<string | number | readonly number[]>;
  /** What leaving the flag out means when there is no default value ("the checkpoint's size"). */
  readonly defaultText?: string;
  readonly required?: boolean;
  /** The allowed values of a string flag. */
  readonly choices?: readonly string[];
  /** Bounds of an int, number or each number of a list (inclusive). */
  readonly min?: number;
  readonly max?: Lazy<number>;
  /** What the maximum is, for its error message ("this machine's cores"). */
  readonly maxText?: string;
  /** The value's name in the help (`--data DIR`). */
  readonly placeholder?: string;
}

export interface PositionalSpec {
  /** As the usage line shows it: IN, DIR, CKPT. */
  readonly name: string;
  readonly help: string;
  readonly required?: boolean;
  /** The last positional only: takes every remaining argument. */
  readonly variadic?: boolean;
  readonly choices?: readonly string[];
}

// The parsed value of one flag, from its spec's literal type.
type Raw<F> = F extends { readonly type: 'boolean' }
  ? boolean
  : F extends { readonly type: 'int' | 'number' }
    ? number
    : F extends { readonly type: 'list' }
      ? number[]
      : F extends { readonly choices: readonly (infer C extends string)[] }
        ? C
        : string;
type Always<F> = F extends { readonly type: 'boolean' }
  ? true
  : F extends { readonly default: unknown }
    ? true
    : F extends { readonly required: true }
      ? true
      : false;
export type FlagValue<F> = Always<F> extends true ? Raw<F> : Raw<F> | undefined;

/** The typed values of a flag table: `{ budget: number | undefined; quiet: boolean; ... }`. */
export type Values<Fs extends readonly FlagSpec[]> = {
  -readonly [F in Fs[number] as F['name']]: FlagValue<F>;
};

export interface Parsed<Fs extends readonly FlagSpec[]> {
  values: Values<Fs>;
  positionals: string[];
}

export interface Command<Fs extends readonly FlagSpec[] = readonly FlagSpec[]> {
  /** As typed after `veil`: 'train', 'data synth'. */
  readonly name: string;
  /** One line, for `veil help`. */
  readonly summary: string;
  /** The synopsis after `veil NAME`, one line per form: 'IN -o OUT --model CKPT [options]'. */
  readonly usage: string;
  /** More text for --help, after the summary. */
  readonly description?: string;
  readonly positionals: readonly PositionalSpec[];
  readonly flags: Fs;
  /** The work; returns the exit code. */
  run(args: Parsed<Fs>): Promise<number>;
}

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** A command as data; checks the table itself (names, shorts, defaults) once, at load. */
export function defineCommand<const Fs extends readonly FlagSpec[]>(c: Command<Fs>): Command<Fs> {
  const seen = new Set<string>(['help', 'h']);
  for (const f of c.flags) {
    if (!KEBAB.test(f.name)) throw new Error(`veil ${c.name}: flag '${f.name}' is not kebab-case`);
    for (const k of [f.name, f.short]) {
      if (k === undefined) continue;
      if (seen.has(k)) throw new Error(`veil ${c.name}: flag '${k}' declared twice`);
      seen.add(k);
    }
    if (f.short !== undefined && f.short.length !== 1)
      throw new Error(`veil ${c.name}: short flag '${f.short}' is not one letter`);
    if (f.type === 'boolean' && f.default !== undefined)
      throw new Error(`veil ${c.name}: boolean --${f.name} cannot have a default (it is false)`);
  }
  const v = c.positionals.findIndex((p) => p.variadic);
  if (v >= 0 && v !== c.positionals.length - 1)
    throw new Error(`veil ${c.name}: only the last positional can be variadic`);
  return c;
}

// ---------------------------------------------------------------------------------------------
// Flags several commands share.

/** The workspace every command defaults to: $VEIL_WORKSPACE when set, else ./veil-work. */
export const defaultWorkspace = (): string => process.env.VEIL_WORKSPACE || 'veil-work';

export const WORKSPACE = {
  name: 'workspace',
  type: 'string',
  placeholder: 'DIR',
  default: defaultWorkspace,
  help: 'where SynthPAR, checkpoints, runs.sqlite and the report live; $VEIL_WORKSPACE sets the default',
} as const satisfies FlagSpec;

export const DEVICE = {
  name: 'device',
  type: 'string',
  placeholder: 'DEV',
  default: 'cpu',
  help: "where the networks, optimizer state and batches live: cpu, cuda or cuda:N (CUDA needs an addon built against a CUDA libtorch: README, 'Devices and GPUs')",
} as const satisfies FlagSpec;

export const QUIET = {
  name: 'quiet',
  short: 'q',
  type: 'boolean',
  help: 'no progress bars or notes on stderr',
} as const satisfies FlagSpec;

export const JSON_OUT = {
  name: 'json',
  type: 'boolean',
  help: 'machine-readable JSON on stdout (and nothing else there)',
} as const satisfies FlagSpec;

/** Flags that were renamed, for the error about the old spelling. */
const RENAMED: Record<string, string> = {
  '--B': '-B/--budget',
  '--out': '-o/--output',
};

// ---------------------------------------------------------------------------------------------
// Parsing.

const fmt = (v: string | number | readonly number[]): string => (Array.isArray(v) ? v.join(',') : String(v));
const lazy = <V>(v: Lazy<V>): V => (typeof v === 'function' ? (v as () => V)() : v);

function placeholder(f: FlagSpec): string {
  if (f.type === 'boolean') return '';
  if (f.placeholder) return f.placeholder;
  if (f.choices && f.choices.length <= 4 && f.choices.every((c) => !/\s/.test(c))) return f.choices.join('|');
  return { int: 'N', number: 'X', list: 'X,Y,...', string: f.name.toUpperCase() }[f.type];
}

/** '--data DIR', '-o, --output FILE' as errors name a flag. */
const flagName = (f: FlagSpec): string =>
  `${f.short ? `-${f.short}/` : ''}--${f.name}${f.type === 'boolean' ? '' : ` ${placeholder(f)}`}`;

function closest(word: string, names: string[]): string | null {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) {
        const row = d[i] as number[];
        const up = d[i - 1] as number[];
        row[j] = Math.min(
          (up[j] as number) + 1,
          (row[j - 1] as number) + 1,
          (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
      }
    return (d[a.length] as number[])[b.length] as number;
  };
  let best: string | null = null;
  let bestD = Infinity;
  for (const n of names) {
    const dd = n.startsWith(word) || word.startsWith(n) ? 1 : dist(word, n);
    if (dd < bestD) [best, bestD] = [n, dd];
  }
  return bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : null;
}

/** node:util's parse errors, in veil's words. */
function parseError(e: unknown, cmd: Command): UsageError {
  const m = (e as Error).message;
  const unknown = /^Unknown option '(-{1,2})([^']*)'/.exec(m);
  if (unknown) {
    const flag = `${unknown[1]}${unknown[2]}`;
    const renamed = RENAMED[flag];
    if (renamed) return new UsageError(`unknown flag ${flag}: it is now ${renamed}`);
    const near = closest(
      unknown[2] as string,
      cmd.flags.map((f) => f.name),
    );
    return new UsageError(`unknown flag ${flag}${near ? ` (did you mean --${near}?)` : ''}`);
  }
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(m);
  if (missing) {
    const f = cmd.flags.find((x) => `--${x.name}` === missing[1]);
    return new UsageError(`${missing[1]} needs a value${f ? ` (${placeholder(f)})` : ''}`);
  }
  const ambiguous = /^Option '(?:-\w, )?(--[\w-]+)(?: <value>)?' argument is ambiguous/.exec(m);
  if (ambiguous)
    return new UsageError(
      `${ambiguous[1]}: a value that starts with '-' must be attached: ${ambiguous[1]}=-VALUE`,
    );
  const noArg = /^Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(m);
  if (noArg) return new UsageError(`${noArg[1]} takes no value`);
  return new UsageError(m.split('\n')[0] as string);
}

function number(f: FlagSpec, raw: string, what: 'int' | 'number'): number {
  const ok =
    what === 'int' ? /^[+-]?\d+$/.test(raw.trim()) : raw.trim() !== '' && Number.isFinite(Number(raw));
  if (!ok) {
    const kind = f.type === 'list' ? 'comma-separated numbers' : what === 'int' ? 'an integer' : 'a number';
    throw new UsageError(`--${f.name} takes ${kind}, got '${raw}'`);
  }
  const n = Number(raw);
  if (f.min !== undefined && n < f.min) throw new UsageError(`--${f.name} must be >= ${f.min}, got ${raw}`);
  if (f.max !== undefined) {
    const max = lazy(f.max);
    if (n > max)
      throw new UsageError(
        `--${f.name} must be at most ${max}${f.maxText ? ` (${f.maxText})` : ''}, got ${raw}`,
      );
  }
  return n;
}

/** 'a or b', 'one of a, b, c'; choices with spaces or commas are quoted. */
function orList(xs: readonly string[]): string {
  const q = xs.some((x) => /[\s,]/.test(x)) ? xs.map((x) => `'${x}'`) : xs;
  return q.length === 2 ? `${q[0]} or ${q[1]}` : `one of ${q.join(', ')}`;
}

/** One flag's value from its text. */
export function convert(f: FlagSpec, raw: string): string | number | number[] {
  switch (f.type) {
    case 'int':
    case 'number':
      return number(f, raw, f.type);
    case 'list':
      return raw.split(',').map((x) => number(f, x, 'number'));
    default:
      if (f.choices && !f.choices.includes(raw))
        throw new UsageError(`--${f.name} must be ${orList(f.choices)}; got '${raw}'`);
      return raw;
  }
}

const wantsHelp = (argv: readonly string[]): boolean => {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
};

/** The command line of `cmd` as typed values, or 'help' when -h/--help is among the flags. */
export function parse<Fs extends readonly FlagSpec[]>(cmd: Command<Fs>, argv: string[]): Parsed<Fs> | 'help' {
  if (wantsHelp(argv)) return 'help';
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {};
  for (const f of cmd.flags)
    options[f.name] = {
      type: f.type === 'boolean' ? 'boolean' : 'string',
      ...(f.short ? { short: f.short } : {}),
    };
  let r: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    r = parseArgs({ args: argv, options, strict: true, allowPositionals: true }) as typeof r;
  } catch (e) {
    throw parseError(e, cmd);
  }
  const values: Record<string, unknown> = {};
  // Bad values first, then what is missing.
  for (const f of cmd.flags) {
    const raw = r.values[f.name];
    if (typeof raw === 'string') values[f.name] = convert(f, raw);
  }
  for (const f of cmd.flags) {
    const raw = r.values[f.name];
    if (f.type === 'boolean') values[f.name] = raw === true;
    else if (typeof raw === 'string') continue;
    else if (f.default !== undefined) {
      const d = lazy(f.default);
      values[f.name] = Array.isArray(d) ? [...(d as number[])] : d;
    } else if (f.required) throw new UsageError(`${flagName(f)} is required: ${f.help}`);
    else values[f.name] = undefined;
  }
  const pos = r.positionals;
  cmd.positionals.forEach((p, i) => {
    const got = p.variadic ? pos.slice(i) : pos[i] === undefined ? [] : [pos[i] as string];
    if (got.length === 0 && p.required) throw new UsageError(`missing ${p.name}: ${p.help}`);
    for (const g of got)
      if (p.choices && !p.choices.includes(g))
        throw new UsageError(`${p.name} must be ${orList(p.choices)}; got '${g}'`);
  });
  const last = cmd.positionals[cmd.positionals.length - 1];
  if (!last?.variadic && pos.length > cmd.positionals.length)
    throw new UsageError(`unexpected argument '${pos[cmd.positionals.length]}'`);
  return { values: values as Values<Fs>, positionals: pos };
}

// ---------------------------------------------------------------------------------------------
// Help.

const WIDTH = 100;

/** Words of `text` wrapped to `width`, lines after the first indented by `indent`. */
function wrap(words: string[], first: number, indent: number, width = WIDTH): string {
  const lines: string[] = [];
  let line = '';
  let room = width - first;
  for (const w of words) {
    if (line && line.length + 1 + w.length > room) {
      lines.push(line);
      line = w;
      room = width - indent;
    } else line = line ? `${line} ${w}` : w;
  }
  lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** The help text of a flag: meaning, choices, bounds, default (never split across lines). */
function flagHelp(f: FlagSpec): string[] {
  const words = f.help.split(/\s+/);
  const ph = placeholder(f);
  if (f.choices && ph !== f.choices.join('|')) {
    const quote = f.choices.some((c) => /[\s,]/.test(c));
    words.push(...`(one of: ${f.choices.map((c) => (quote ? `'${c}'` : c)).join(', ')})`.split(' '));
  }
  const tail: string[] = [];
  if (f.required) tail.push('required');
  else if (f.default !== undefined) tail.push(`default: ${fmt(lazy(f.default))}`);
  else if (f.defaultText) tail.push(`default: ${f.defaultText}`);
  if (f.max !== undefined && f.maxText) tail.push(`at most ${lazy(f.max)}, ${f.maxText}`);
  if (tail.length) words.push(`(${tail.join('; ')})`);
  return words;
}

function rows(items: [string, string[]][]): string[] {
  const col = Math.min(32, Math.max(...items.map(([l]) => l.length)) + 2);
  return items.map(([left, words]) =>
    left.length + 2 > col
      ? `${left}\n${' '.repeat(col)}${wrap(words, col, col)}`
      : `${left.padEnd(col)}${wrap(words, col, col)}`,
  );
}

/** `veil CMD --help`, generated from the command's table. */
export function helpText(cmd: Command): string {
  const usage = cmd.usage
    .split('\n')
    .map((u, i) => `${i === 0 ? 'usage: ' : '       '}veil ${cmd.name}${u ? ` ${u}` : ''}`);
  const out = [...usage, '', wrap(cmd.summary.split(/\s+/), 0, 0)];
  if (cmd.description) out.push('', cmd.description);
  if (cmd.positionals.length) {
    out.push('', 'arguments:');
    out.push(
      ...rows(cmd.positionals.map((p) => [`  ${p.name}${p.variadic ? '...' : ''}`, p.help.split(/\s+/)])),
    );
  }
  out.push('', 'options:');
  const flags: [string, string[]][] = cmd.flags.map((f) => {
    const ph = placeholder(f);
    return [`  ${f.short ? `-${f.short}, ` : '    '}--${f.name}${ph ? ` ${ph}` : ''}`, flagHelp(f)];
  });
  flags.push(['  -h, --help', ['print this help']]);
  out.push(...rows(flags));
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Running.

/** The exit code of an error: 2 for a usage error (UsageError, or any error saying exitCode 2), else 1. */
export function exitCodeOf(e: unknown): 1 | 2 {
  return (e as { exitCode?: unknown } | null)?.exitCode === 2 ? 2 : 1;
}

/** Prints `veil CMD: message` (and, for a usage error, where the help is); returns the exit code. */
export function reportError(name: string, e: unknown): number {
  const code = exitCodeOf(e);
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`veil ${name}: ${msg}\n`);
  if (code === 2) process.stderr.write(`(veil help ${name})\n`);
  else if (process.env.VEIL_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return code;
}

/** Parses, runs, and maps what is thrown to an exit code: a whole `veil CMD ...` but the process. */
export async function execute<Fs extends readonly FlagSpec[]>(
  cmd: Command<Fs>,
  argv: string[],
): Promise<number> {
  try {
    const parsed = parse(cmd, argv);
    if (parsed === 'help') {
      process.stdout.write(`${helpText(cmd)}\n`);
      return 0;
    }
    return await cmd.run(parsed);
  } catch (e) {
    return reportError(cmd.name, e);
  }
}

/** 'HxW' or 'N' (a square) -> sizes, each at least `min`; a UsageError naming `flag` otherwise. */
export function parseSize(v: string, flag: string, min = 1): { height: number; width: number } {
  const m = /^(\d+)(?:x(\d+))?$/.exec(v);
  if (!m) throw new UsageError(`${flag} takes HxW or N, got '${v}'`);
  const h = Number(m[1]);
  const w = Number(m[2] ?? m[1]);
  if (h < min || w < min) throw new UsageError(`${flag}: sizes must be at least ${min}, got '${v}'`);
  return { height: h, width: w };
}
