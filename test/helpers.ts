// Shared by the tests: paths into the source tree (tests run from dist/) and small assertions.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Tensor } from '../src/torch/index.js';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root');
    dir = up;
  }
  return dir;
}

export const ROOT = findRoot();

/** A committed fixture, by path relative to test/. */
export const fixture = (rel: string): string => join(ROOT, 'test', rel);

export const tempDir = (prefix = 'veil-test-'): string => mkdtempSync(join(tmpdir(), prefix));

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape, 'shapes differ');
  const x = a.to('float64').data() as Float64Array;
  const y = b.to('float64').data() as Float64Array;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs((x[i] as number) - (y[i] as number)));
  return m;
}

export function assertClose(a: Tensor, b: Tensor, tol: number, what = 'values'): void {
  const d = maxAbsDiff(a, b);
  assert.ok(d < tol, `${what}: max abs difference ${d} exceeds ${tol}`);
}
