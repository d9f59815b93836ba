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

test('unknown models and flags are usage errors that point at the help', async () => {
  const a = await capture(['resnet101']);
  assert.equal(a.code, 2);
  assert.match(a.err, /unknown model resnet101; the zoo has: unet, unetpp-r18/);
  const b = await capture(['--size', 'big']);
  assert.equal(b.code, 2);
  assert.match(b.err, /^veil models: --size takes an integer, got 'big'\n\(veil help models\)/);
  const c = await capture(['--size', '0']);
  assert.equal(c.code, 2);
  assert.match(c.err, /--size must be >= 1, got 0/);
  const h = await capture(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /^usage: veil models/);
});

test('--json prints the rows and nothing else', async () => {
  const r = await capture(['--json', 'unet-small']);
  assert.equal(r.code, 0);
  const rows = JSON.parse(r.out) as { name: string; params: number; gflops: { at: string }[] }[];
  assert.deepEqual(
    rows.map((x) => [x.name, x.gflops.map((g) => g.at)]),
    [['unet-small', ['paper', 'demo']]],
  );
  assert.ok((rows[0] as { params: number }).params > 1e6);
});
