// `veil models`: the table of networks, parameters and GFLOPs; errors name what exists.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { run } from '../../src/cli/models.js';

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [o, e] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
  process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => err.push(s) > 0) as typeof process.stderr.write;
  try {
    const code = await run(argv);
    return { code, out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = o;
    process.stderr.write = e;
  }
}

test('lists networks with parameters and GFLOPs at the paper and demo sizes', async () => {
  const r = await capture(['unet-small', 'r3d-small']);
  assert.equal(r.code, 0);
  const lines = r.out.trim().split('\n');
  assert.match(lines[0] as string, /name\s+kind\s+params\s+GFLOPs paper\s+GFLOPs demo\s+what/);
  assert.match(lines[1] as string, /^unet-small\s+anonymizer\s+1\.08 M\s+0\.48 @112x112\s+0\.16 @64x64/);
  assert.match(lines[2] as string, /^r3d-small\s+action\s+0\.92 M\s+1\.51 @16x112x112\s+0\.25 @8x64x64/);
});

test('--size and --frames count at one size; --kind filters', async () => {
  const r = await capture(['--kind', 'action', '--size', '32', '--frames', '4', 'r3d-small', 'unet-small']);
  assert.equal(r.code, 0);
  assert.match(r.out, /r3d-small\s+action\s+0\.92 M\s+0\.0\d @4x32x32/);
  assert.doesNotMatch(r.out, /unet-small/);
});

test('unknown models and flags are errors with the usage', async () => {
  const a = await capture(['resnet101']);
  assert.equal(a.code, 2);
  assert.match(a.err, /unknown model resnet101; the zoo has: unet, unetpp-r18/);
  const b = await capture(['--size', 'big']);
  assert.equal(b.code, 2);
  assert.match(b.err, /--size takes a positive integer, got big\nusage: veil models/);
  assert.equal((await capture(['--help'])).code, 0);
});
