import assert from 'node:assert/strict';
import { test } from 'node:test';

import { anonymizeVideoSet, framesToTensor, tensorToFrames } from '../../src/method/anonymize.js';
import { downsample, gaussianBlur, obfuscate, personMask, raw } from '../../src/method/baselines.js';
import type { VideoSet } from '../../src/data/loader/index.js';
import * as T from '../../src/torch/index.js';
import { S, videoSet } from './fixtures.js';

test('person mask covers exactly the boxes (x1, y1 exclusive)', () => {
  const m = personMask([[[1, 2, 3, 4]], []], 5, 5, 'cpu').data();
  const ones = Array.from(m as Float32Array).reduce((a, b) => a + b, 0);
  assert.equal(ones, 4);
  assert.equal(m[2 * 5 + 1], 1);
  assert.equal(m[4 * 5 + 3], 0);
  assert.throws(() => personMask([null], 4, 4, 'cpu'), /no person boxes/);
});

test('blackening zeroes the person region only; blur keeps a flat image; downsampling keeps the size', () => {
  const x = T.full([1, 3, 8, 8], 0.6);
  const b = obfuscate('blackening')
    .apply(x, [[[0, 0, 4, 8]]])
    .data();
  assert.equal(b[0], 0);
  assert.ok(Math.abs((b[7] as number) - 0.6) < 1e-6);
  const blur = gaussianBlur(x, 1.5);
  assert.deepEqual(blur.shape, [1, 3, 8, 8]);
  assert.ok(Math.abs(T.amax(T.abs(blur.sub(0.6))).item()) < 1e-5);
  assert.deepEqual(downsample(4).apply(T.rand([2, 3, 8, 8]), [null, null]).shape, [2, 3, 8, 8]);
});

/** Frame k of a set's item i, as stored. */
async function frame(set: VideoSet, i: number, k: number): Promise<Uint8Array> {
  const v = set.items[i] as VideoSet['items'][number];
  const n = S * S * 3;
  return (await set.reader.frames(v.source)).slice(k * n, (k + 1) * n);
}

test('anonymizing a set: frames round-trip through tensors; obfuscation changes only person pixels', async () => {
  const set = videoSet(2);
  const f = await frame(set, 0, 0);
  assert.deepEqual(tensorToFrames(framesToTensor([f], S, S))[0], f);
  const same = await anonymizeVideoSet(raw, set);
  for (const k of [0, 3]) assert.deepEqual(await frame(same, 1, k), await frame(set, 1, k));
  const black = await anonymizeVideoSet(obfuscate('blackening'), set);
  const before = f;
  const after = await frame(black, 0, 0);
  const [x0, y0, x1, y1] = (set.items[0]?.boxes?.[0]?.[0] ?? [0, 0, 0, 0]).map(Math.floor) as number[];
  let changedOutside = 0;
  for (let y = 0; y < S; y++)
    for (let x = 0; x < S; x++) {
      const inside = set.items[0]?.boxes?.[0]?.some(
        (b) => x >= Math.floor(b[0]) && x < Math.ceil(b[2]) && y >= Math.floor(b[1]) && y < Math.ceil(b[3]),
      );
      if (!inside && after[(y * S + x) * 3] !== before[(y * S + x) * 3]) changedOutside++;
    }
  assert.equal(changedOutside, 0);
  assert.equal(
    after[
      (Math.floor(((y0 as number) + (y1 as number)) / 2) * S +
        Math.floor(((x0 as number) + (x1 as number)) / 2)) *
        3
    ],
    0,
  );
});
