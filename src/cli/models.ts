// `veil models`: the zoo with parameter counts and forward GFLOPs (multiply-accumulates, as
// torchvision counts them) at the paper's input size and the CPU demo's, or at one given size.
import { UsageError } from '../data/errors.js';
import { createModel, listModels, type ModelSpec } from '../models/index.js';
import { defineCommand, execute, JSON_OUT } from './flags.js';

interface Sizes {
  size: number | undefined;
  frames: number | undefined;
}

/** One sample's input with the overrides applied: images [3,H,W], clips [3,T,H,W]. */
function inputAt(base: readonly number[], a: Sizes): number[] {
  const s = [...base];
  if (a.size) s.splice(-2, 2, a.size, a.size);
  if (a.frames && s.length === 4) s[1] = a.frames;
  return s;
}

interface ModelRow {
  name: string;
  kind: string;
  params: number;
  gflops: { input: number[]; gflops: number; at: 'paper' | 'demo' | 'given' }[];
  description: string;
}

function measure(spec: ModelSpec, a: Sizes): ModelRow {
  const m = createModel(spec.name);
  try {
    const g = (input: number[], at: ModelRow['gflops'][number]['at']) => ({
      input,
      gflops: m.flops([1, ...input]) / 1e9,
      at,
    });
    const gflops =
      a.size || a.frames
        ? [g(inputAt(spec.paperInput, a), 'given' as const)]
        : [g([...spec.paperInput], 'paper' as const), g([...spec.demoInput], 'demo' as const)];
    return {
      name: spec.name,
      kind: spec.kind,
      params: m.numParameters(),
      gflops,
      description: spec.description,
    };
  } finally {
    m.dispose();
  }
}

const pad = (v: string, n: number, right = false): string => (right ? v.padEnd(n) : v.padStart(n));

export const command = defineCommand({
  name: 'models',
  summary: 'list the networks with parameter counts and GFLOPs',
  usage: '[NAME...] [options]',
  description:
    "Lists each network with its parameters and forward GFLOPs per sample at the paper's input size\n" +
    "and at the CPU demo's; --size (height = width) and --frames (clips) count at one size.",
  positionals: [{ name: 'NAME', variadic: true, help: 'only these networks (default: all of the zoo)' }],
  flags: [
    {
      name: 'kind',
      type: 'string',
      choices: ['anonymizer', 'action', 'privacy'],
      defaultText: 'every kind',
      help: 'only networks of this kind',
    },
    {
      name: 'size',
      type: 'int',
      min: 1,
      placeholder: 'PX',
      defaultText: 'paper and demo sizes',
      help: 'count GFLOPs at this height = width',
    },
    {
      name: 'frames',
      type: 'int',
      min: 1,
      placeholder: 'T',
      defaultText: 'paper and demo sizes',
      help: 'count GFLOPs of clip models at this many frames',
    },
    JSON_OUT,
  ],
  async run({ values: a, positionals: names }) {
    const all = listModels().map((s) => s.name);
    const unknown = names.filter((n) => !all.includes(n));
    if (unknown.length)
      throw new UsageError(`unknown model ${unknown.join(', ')}; the zoo has: ${all.join(', ')}`);
    const specs = listModels(a.kind).filter((s) => names.length === 0 || names.includes(s.name));
    const rows = specs.map((s) => measure(s, a));
    if (a.json) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      return 0;
    }
    const dims = (s: readonly number[]): string => s.slice(1).join('x');
    const fixed = a.size || a.frames;
    const head = [
      'name',
      'kind',
      'params',
      ...(fixed ? ['GFLOPs'] : ['GFLOPs paper', 'GFLOPs demo']),
      'what',
    ];
    const table = [
      head,
      ...rows.map((r) => [
        r.name,
        r.kind,
        `${(r.params / 1e6).toFixed(2)} M`,
        ...r.gflops.map((g) => `${g.gflops.toFixed(2)} @${dims(g.input)}`),
        r.description,
      ]),
    ];
    const widths = head.map((_, i) => Math.max(...table.map((r) => (r[i] as string).length)));
    for (const r of table) {
      const cells = r.map((c, i) => (i === r.length - 1 ? c : pad(c, widths[i] as number, i < 2)));
      process.stdout.write(`${cells.join('  ')}\n`);
    }
    return 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
