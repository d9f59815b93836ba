// Helpers shared by the bench scripts: flags, medians, paths.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { defaultThreads } from '../src/torch/index.js';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

export const ROOT = findRoot();

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export interface BenchFlags {
  steps: number;
  warmup: number;
  threads: number;
  bf16: boolean;
}

/** --steps N --warmup N --threads N --bf16; anything else is an error naming it. */
export function parseBenchFlags(
  defaults: { steps: number; warmup: number },
  argv = process.argv.slice(2),
): BenchFlags {
  const f: BenchFlags = { ...defaults, threads: defaultThreads(), bf16: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--bf16') f.bf16 = true;
    else if (a === '--steps' || a === '--warmup' || a === '--threads') {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < (a === '--warmup' ? 0 : 1))
        throw new Error(`${a} needs a positive integer, got '${argv[i]}'`);
      f[a.slice(2) as 'steps' | 'warmup' | 'threads'] = v;
    } else throw new Error(`unknown flag '${a}' (expected --steps, --warmup, --threads, --bf16)`);
  }
  return f;
}
