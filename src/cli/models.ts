// `veil models`: the zoo with parameter counts and forward GFLOPs (multiply-accumulates, as
// torchvision counts them) at the paper's input size and the CPU demo's, or at one given size.
import { createModel, listModels, type ModelKind, type ModelSpec } from '../models/index.js';

const USAGE = `usage: veil models [--kind anonymizer|action|privacy] [--size N] [--frames T] [NAME ...]
  Lists each network with its parameters and forward GFLOPs per sample at the paper's input
  size and at the CPU demo's; --size (height = width) and --frames (clips) count at one size.`;

interface Args {
  names: string[];
  kind?: ModelKind;
  size?: number;
  frames?: number;
}

function parse(argv: string[]): Args {
  const a: Args = { names: [] };
  const int = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1)
      throw new Error(`${flag} takes a positive integer, got ${v ?? 'nothing'}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--size') a.size = int(arg, argv[++i]);
    else if (arg === '--frames') a.frames = int(arg, argv[++i]);
    else if (arg === '--kind') {
      const k = argv[++i];
      if (k !== 'anonymizer' && k !== 'action' && k !== 'privacy')
        throw new Error(`--kind: unknown kind ${k}`);
      a.kind = k;
    } else if (arg.startsWith('-')) throw new Error(`unknown flag ${arg}`);
    else a.names.push(arg);
  }
  return a;
}

/** One sample's input with the overrides applied: images [3,H,W], clips [3,T,H,W]. */
function inputAt(base: readonly number[], a: Args): number[] {
  const s = [...base];
  if (a.size) s.splice(-2, 2, a.size, a.size);
  if (a.frames && s.length === 4) s[1] = a.frames;
  return s;
}

const dims = (s: readonly number[]): string => s.slice(1).join('x');
const pad = (v: string, n: number, right = false): string => (right ? v.padEnd(n) : v.padStart(n));

function row(spec: ModelSpec, a: Args): string[] {
  const m = createModel(spec.name);
  try {
    const g = (shape: number[]): string => `${(m.flops([1, ...shape]) / 1e9).toFixed(2)} @${dims(shape)}`;
    const sizes =
      a.size || a.frames
        ? [g(inputAt(spec.paperInput, a))]
        : [g([...spec.paperInput]), g([...spec.demoInput])];
    return [spec.name, spec.kind, `${(m.numParameters() / 1e6).toFixed(2)} M`, ...sizes, spec.description];
  } finally {
    m.dispose();
  }
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let a: Args;
  try {
    a = parse(argv);
  } catch (e) {
    process.stderr.write(`veil models: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const specs = listModels(a.kind).filter((s) => a.names.length === 0 || a.names.includes(s.name));
  const unknown = a.names.filter((n) => !listModels().some((s) => s.name === n));
  if (unknown.length) {
    process.stderr.write(
      `veil models: unknown model ${unknown.join(', ')}; the zoo has: ${listModels()
        .map((s) => s.name)
        .join(', ')}\n`,
    );
    return 2;
  }
  const fixed = a.size || a.frames;
  const head = ['name', 'kind', 'params', ...(fixed ? ['GFLOPs'] : ['GFLOPs paper', 'GFLOPs demo']), 'what'];
  const rows = [head, ...specs.map((s) => row(s, a))];
  const widths = head.map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  for (const r of rows) {
    const cells = r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i] as number, i < 2)));
    process.stdout.write(`${cells.join('  ')}\n`);
  }
  return 0;
}
