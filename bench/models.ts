// `npm run bench:models`: forward and forward+backward time per sample of every network of the
// zoo at its paper input size (batch 1; and batch 8 forward only, the way evaluation and
// inference run: batch 1 is a slow path of this libtorch's 3D convolutions) and at the CPU demo
// size (batch 4), in veil and, when
// /usr/bin/python3 has torch, in PyTorch in the same run: a Python worker times each case right
// after veil does, with the same threads, so both see the same load on a shared machine.
// At the demo size the best of 3 after a warm-up; at the paper's size a single pass by default
// (r3d-18 takes tens of seconds forward+backward on two cores), right after the demo size has
// warmed both processes up.
//   --only a,b     networks to run (default: all)      --sizes paper,demo (default: both)
//   --iters N      at both sizes: the best of N after one warm-up      --no-torch
//   --formats      also veil's forward+backward in the memory format the registry did not choose
//                  (the measurement behind each network's `memoryFormat`)
//   --bf16         everything under bfloat16 autocast, in veil and PyTorch (as the demo trains where bf16Pays)
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';

import { createModel, listModels, modelSpec, type Network } from '../src/models/index.js';
import { autocast, getNumThreads, noGrad, rand, tidy, type Tensor } from '../src/torch/index.js';

interface Case {
  name: string;
  size: 'paper' | 'demo';
  shape: number[];
  iters: number;
  warmup: number;
  /** Forward (inference) only: a paper-size batch of 8 is too big to train on 2 cores' memory. */
  fwdOnly: boolean;
  /** Under bfloat16 autocast. */
  bf16: boolean;
}

type Timing = { fwd: number; fwdbwd: number | null };

const PYTHON = '/usr/bin/python3';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

/** The best of `iters` runs after `warmup`: the least disturbed by other work on the machine. */
function timed(fn: () => void, warmup: number, iters: number): number {
  for (let i = 0; i < warmup; i++) fn();
  let best = Infinity;
  for (let i = 0; i < iters; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

function benchVeil(m: Network, c: Case): Timing {
  const x = rand(c.shape);
  const run = (): Tensor => (c.bf16 ? autocast(() => m.forward(x)) : m.forward(x));
  const forward = (): void => {
    m.eval();
    tidy(() => noGrad(run).dispose());
  };
  const step = (): void => {
    m.train();
    tidy(() => run().float().sum().backward());
    for (const p of m.parameters()) p.grad = null;
  };
  const t = {
    fwd: timed(forward, c.warmup, c.iters),
    fwdbwd: c.fwdOnly ? null : timed(step, c.warmup, c.iters),
  };
  x.dispose();
  return t;
}

/** The training step's time in the memory format the registry did not choose for `name`. */
function otherFormat(name: string, c: Case): number {
  const m = createModel(name);
  const chosen = modelSpec(name).memoryFormat;
  m.to({
    memoryFormat:
      chosen !== 'contiguous_format'
        ? 'contiguous_format'
        : c.shape.length === 5
          ? 'channels_last_3d'
          : 'channels_last',
  });
  const t = benchVeil(m, c).fwdbwd as number;
  m.dispose();
  return t;
}

/** The PyTorch worker, or why there is none. */
async function startTorch(): Promise<{ ask(c: Case): Promise<Timing>; stop(): void } | string> {
  if (process.argv.includes('--no-torch')) return 'skipped (--no-torch)';
  if (!existsSync(PYTHON)) return `no ${PYTHON}`;
  const script = join(import.meta.dirname, '..', '..', 'bench', 'models_torch.py');
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [script, String(getNumThreads())]);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const lines: Interface = createInterface({ input: child.stdout });
  const it = lines[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await it.next();
    if (r.done) throw new Error(`PyTorch worker stopped: ${err.trim().split('\n').pop() ?? ''}`);
    return r.value as string;
  };
  try {
    await next(); // 'ready': torch and torchvision imported
  } catch (e) {
    return (e as Error).message;
  }
  return {
    ask: async (c) => {
      child.stdin.write(`${JSON.stringify(c)}\n`);
      return JSON.parse(await next()) as Timing;
    },
    stop: () => child.stdin.end(),
  };
}

async function main(): Promise<void> {
  const only = arg('--only')?.split(',');
  const sizes = (arg('--sizes') ?? 'paper,demo').split(',');
  const iters = arg('--iters') === undefined ? undefined : Number(arg('--iters'));
  const specs = listModels().filter((s) => !only || only.includes(s.name));
  const torch = await startTorch();
  const bf16 = process.argv.includes('--bf16');
  const how = iters ? `best of ${iters} after 1 warm-up` : 'demo: best of 3 after 1 warm-up; paper: 1 pass';
  console.log(
    `veil bench:models: ${getNumThreads()} threads, ms per sample, ${how}${bf16 ? ', bf16 autocast' : ''}`,
  );
  const formats = process.argv.includes('--formats');
  const rows = [
    ['network', 'input', 'veil fwd', 'torch fwd', 'ratio', 'veil fwd+bwd', 'torch fwd+bwd', 'ratio'],
  ];
  if (formats) rows[0]?.push('layout', 'fwd+bwd other layout');
  const fmt = (ms: number | null | undefined, n: number): string =>
    ms === undefined || ms === null ? '-' : (ms / n).toFixed(1);
  const ratio = (a: number | null, b: number | null | undefined): string =>
    a !== null && b ? `${(a / b).toFixed(2)}x` : '-';
  for (const s of specs) {
    const m = createModel(s.name);
    // The demo size first: it warms up both processes for the single paper-size passes.
    const cases: [Case['size'], number, boolean][] = [
      ['demo', 4, false],
      ['paper', 1, false],
      ['paper', 8, true],
    ];
    for (const [size, batch, fwdOnly] of cases) {
      if (!sizes.includes(size)) continue;
      const shape = [batch, ...(size === 'paper' ? s.paperInput : s.demoInput)];
      const paperDefault = size === 'paper' && !iters;
      const c: Case = {
        name: s.name,
        size,
        shape,
        iters: iters ?? (paperDefault ? 1 : 3),
        warmup: paperDefault ? 0 : 1,
        fwdOnly,
        bf16,
      };
      const v = benchVeil(m, c);
      const t = typeof torch === 'string' ? undefined : await torch.ask(c);
      const n = batch;
      const row = [s.name, `${size} ${shape.join('x')}`, fmt(v.fwd, n), fmt(t?.fwd, n), ratio(v.fwd, t?.fwd)];
      row.push(fmt(v.fwdbwd, n), fmt(t?.fwdbwd, n), ratio(v.fwdbwd, t?.fwdbwd));
      if (formats) row.push(s.memoryFormat, fwdOnly ? '-' : fmt(otherFormat(s.name, c), n));
      rows.push(row);
      process.stderr.write(`  ${row.join('  ')}\n`);
    }
    m.dispose();
  }
  if (typeof torch !== 'string') torch.stop();
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  for (const r of rows) {
    console.log(
      r.map((c, i) => (i < 2 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  '),
    );
  }
  console.log(
    typeof torch === 'string'
      ? `PyTorch: ${torch}`
      : 'ratio: veil time / PyTorch time (below 1: veil faster)',
  );
}

await main();
