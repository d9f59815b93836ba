import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import sharp from 'sharp';

import { DataError } from '../../src/data/errors.js';
import { imageInfo, readImage, writeImage } from '../../src/data/image.js';
import { meanAbsDiff, pattern, tempDir } from './helpers.js';

test('PNG round-trips exactly, JPEG closely; sizes and scaling on read', async () => {
  const dir = await tempDir('image');
  const frame = { data: pattern(40, 30, 2), width: 40, height: 30 };
  await writeImage(join(dir, 'a.png'), frame);
  const png = await readImage(join(dir, 'a.png'));
  assert.deepEqual([png.width, png.height], [40, 30]);
  assert.deepEqual(png.data, frame.data);
  await writeImage(join(dir, 'a.jpg'), frame, { quality: 95 });
  const jpg = await readImage(join(dir, 'a.jpg'));
  assert.ok(meanAbsDiff(jpg.data, frame.data) < 6);
  assert.deepEqual(await imageInfo(join(dir, 'a.jpg')), { width: 40, height: 30, format: 'jpeg' });
  const small = await readImage(join(dir, 'a.png'), { shortSide: 15 });
  assert.deepEqual([small.width, small.height, small.data.length], [20, 15, 20 * 15 * 3]);
  const exact = await readImage(join(dir, 'a.png'), { size: { width: 8, height: 8 } });
  assert.deepEqual([exact.width, exact.height], [8, 8]);
  await assert.rejects(writeImage(join(dir, 'a.gif'), frame), /a\.gif: cannot write '\.gif' images/);
});

test("JPEG chroma '4:4:4' keeps a two-pixel colour mark that '4:2:0' smears", async () => {
  const dir = await tempDir('image');
  const w = 16;
  const data = new Uint8Array(w * w * 3).fill(128);
  // A saturated red 2x2 mark at an odd offset, so it straddles the 2x2 chroma blocks of 4:2:0.
  for (const [x, y] of [
    [5, 5],
    [6, 5],
    [5, 6],
    [6, 6],
  ] as const)
    data.set([230, 20, 20], (y * w + x) * 3);
  const frame = { data, width: w, height: w };
  const redness = async (file: string) => {
    const d = (await readImage(file)).data;
    const at = (5 * w + 5) * 3;
    return (d[at] as number) - (d[at + 1] as number);
  };
  await writeImage(join(dir, 'sub.jpg'), frame, { quality: 92 });
  await writeImage(join(dir, 'full.jpg'), frame, { quality: 92, chroma: '4:4:4' });
  const [sub, full] = [await redness(join(dir, 'sub.jpg')), await redness(join(dir, 'full.jpg'))];
  assert.ok(full > 150, `4:4:4 red - green ${full}`);
  assert.ok(full - sub > 40, `4:4:4 ${full} vs 4:2:0 ${sub}`);
});

test('grey, alpha and EXIF-rotated images come out upright RGB', async () => {
  const dir = await tempDir('image');
  const grey = join(dir, 'grey.png');
  await sharp(Buffer.alloc(6 * 4, 100), { raw: { width: 6, height: 4, channels: 1 } })
    .png()
    .toFile(grey);
  const g = await readImage(grey);
  assert.equal(g.data.length, 6 * 4 * 3);
  assert.ok(g.data.every((v) => v === 100));
  const rgba = join(dir, 'rgba.png');
  await sharp(Buffer.alloc(6 * 4 * 4, 200), { raw: { width: 6, height: 4, channels: 4 } })
    .png()
    .toFile(rgba);
  assert.equal((await readImage(rgba)).data.length, 6 * 4 * 3);
  const turned = join(dir, 'turned.jpg');
  await sharp(pattern(6, 4, 0), { raw: { width: 6, height: 4, channels: 3 } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .toFile(turned);
  const t = await readImage(turned);
  assert.deepEqual([t.width, t.height], [4, 6]);
  assert.deepEqual([(await readImage(turned, { shortSide: 8 })).width], [8]);
});

test('missing, corrupt and truncated images name the file', async () => {
  const dir = await tempDir('image');
  await assert.rejects(readImage(join(dir, 'none.jpg')), /none\.jpg: image not found/);
  await writeFile(join(dir, 'junk.jpg'), 'not an image');
  await assert.rejects(
    readImage(join(dir, 'junk.jpg')),
    (e: unknown) => e instanceof DataError && /junk\.jpg: cannot read image/.test(e.message),
  );
  await assert.rejects(imageInfo(join(dir, 'junk.jpg')), /junk\.jpg/);
  await writeImage(join(dir, 'whole.jpg'), { data: pattern(64, 64, 1), width: 64, height: 64 });
  const bytes = await readFile(join(dir, 'whole.jpg'));
  await writeFile(join(dir, 'cut.jpg'), bytes.subarray(0, bytes.length >> 1));
  await assert.rejects(readImage(join(dir, 'cut.jpg'), { strict: true }), /cut\.jpg: cannot read image/);
});
