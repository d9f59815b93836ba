// The one batch pipeline on real files (SynthPAR written as MJPEG AVI and PNG, read by the UCF101
// and VISPR readers, decoded by ffmpeg and sharp in worker threads): batches that do not depend on
// the workers or the cache, a cache that keeps to its bound, a bounded read-ahead, an exact redo,
// and broken files named in the error.
import assert from 'node:assert/strict';
import { copyFile, readFile, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { readUcf101, readVispr } from '../../src/data/datasets/index.js';
import { DataError } from '../../src/data/errors.js';
import {
  BatchStream,
  type ClipShape,
  drawBatch,
  FrameReader,
  frameCount,
  type ImageSet,
  memoryImageSet,
  memoryVideoSet,
  type Part,
  readImageSet,
  readVideoSet,
  sourceBytes,
  type VideoSet,
} from '../../src/data/loader/index.js';
import { CLIP_AUGMENT, VIEW_AUGMENT } from '../../src/data/augment.js';
import { Rng } from '../../src/data/rng.js';
import { writeSynthPAR } from '../../src/data/synthpar/index.js';
import * as T from '../../src/torch/index.js';
import { tempDir } from './helpers.js';

const W = 32;
const shape: ClipShape = { frames: 4, stride: 2, size: 24 };
let root = '';

before(async () => {
  root = join(await tempDir('loader'), 'synth');
  await writeSynthPAR({ out: root, clips: 20, images: 12, width: W, height: W, frames: 12, seed: 4 });
});

async function sets(reader: FrameReader): Promise<{ videos: VideoSet; images: ImageSet }> {
  const size = { width: W, height: W, reader };
  return {
    videos: await readVideoSet(await readUcf101(root, { subset: 'train' }), { ...size, maxFrames: 12 }),
    images: await readImageSet(await readVispr(join(root, 'vispr'), { split: 'train' }), size),
  };
}

/** The minimax's kind of batch: clips, then two views of images, from one stream. */
const parts = (s: { videos: VideoSet; images: ImageSet }, j: number): Part[] => [
  { kind: 'train-clips', set: s.videos, idx: [j, j + 3, j + 5], shape, augment: CLIP_AUGMENT },
  {
    kind: 'images',
    set: s.images,
    idx: [j, j + 1],
    size: 16,
    augment: VIEW_AUGMENT,
    views: 2,
    targets: true,
  },
];

/** Every tensor of `count` batches of a stream as plain arrays. */
async function drain(stream: BatchStream, count: number): Promise<number[][][]> {
  const out: number[][][] = [];
  for (let j = 0; j < count; j++) {
    const b = await stream.nextBatch();
    out.push(b.flat().map((t) => Array.from(t.data() as ArrayLike<number>, Number)));
    T.dispose(b);
  }
  return out;
}

test('batches are the same whatever the workers and the cache, and file sets give what memory sets give', async () => {
  const runs: number[][][][] = [];
  let first: { videos: VideoSet; images: ImageSet } | null = null;
  for (const [workers, cacheBytes] of [
    [0, 0],
    [1, 0],
    [2, 0],
    [2, 64 * 1024 ** 2],
  ] as const) {
    const reader = new FrameReader({ workers, cacheBytes });
    const s = await sets(reader);
    first ??= s;
    const stream = new BatchStream(4, (j) => parts(s, j), { shared: new Rng('t', 1) }, 'cpu');
    runs.push(await drain(stream, 4));
    await reader.close();
  }
  const [b] = runs[0] as number[][][];
  const [x, y, v1, v2, targets] = b as number[][];
  assert.equal(x?.length, 3 * 3 * 4 * 24 * 24, 'x: (3, 3, T, S, S)');
  assert.equal(y?.length, 3);
  assert.equal(v1?.length, 2 * 3 * 16 * 16);
  assert.notDeepEqual(v1, v2, 'the two views differ');
  assert.equal(targets?.length, 2 * 7);
  assert.ok((x as number[]).every((p) => p >= 0 && p <= 1));
  for (const k of [1, 2, 3]) assert.deepEqual(runs[k], runs[0], `run ${k}`);

  // The same frames held in memory: decoding a clip's frames alone gives what decoding all gives.
  const mem = new FrameReader({ workers: 1 });
  const f = first as { videos: VideoSet; images: ImageSet };
  const all = await mem.framesMany(f.videos.items.map((v) => v.source));
  const videos = memoryVideoSet(
    { ...f.videos, reader: mem },
    f.videos.items.map((v, i) => {
      const n = W * W * 3;
      const frames = Array.from({ length: frameCount(v.source) }, (_, k) =>
        (all[i] as Uint8Array).slice(k * n, (k + 1) * n),
      );
      return { ...v, frames };
    }),
  );
  const pics = await mem.framesMany(f.images.items.map((im) => im.source));
  const images = memoryImageSet(
    { ...f.images, reader: mem },
    f.images.items.map((im, i) => ({ ...im, data: pics[i] as Uint8Array })),
  );
  const stream = new BatchStream(4, (j) => parts({ videos, images }, j), { shared: new Rng('t', 1) }, 'cpu');
  assert.deepEqual(await drain(stream, 4), runs[0]);
  await mem.close();
});

test('a redo is the batch drawn twice in a row; what was read ahead is drawn again after it', async () => {
  const reader = new FrameReader({ workers: 2, cacheBytes: 0 });
  const s = await sets(reader);
  const stream = new BatchStream(3, (j) => parts(s, j), { shared: new Rng('t', 2) }, 'cpu');
  const flat = (b: T.Tensor[][]): number[][] => {
    const v = b.flat().map((t) => Array.from(t.data() as ArrayLike<number>, Number));
    T.dispose(b);
    return v;
  };
  const got = [flat(await stream.nextBatch()), flat(await stream.redo()), flat(await stream.nextBatch())];
  // By hand: one stream, drawn in order.
  const rng = new Rng('t', 2);
  const want: number[][][] = [];
  for (const j of [0, 0, 1]) {
    const d = drawBatch(parts(s, j), rng);
    await d.ready;
    want.push(flat(d.take('cpu')));
  }
  assert.deepEqual(got, want);
  await reader.close();
});

test('the cache keeps to its bound: a set that fits is decoded once, one that does not streams', async () => {
  const probe = new FrameReader({ workers: 1 });
  const { videos } = await sets(probe);
  await probe.close();
  const total = videos.items.reduce((n, v) => n + sourceBytes(v.source), 0);
  for (const bound of [0, Math.floor(total / 3), total + 1, total + 2 * W * W * 3]) {
    const reader = new FrameReader({ workers: 2, cacheBytes: bound });
    const s = await sets(reader);
    const train = (j: number): Part[] => [
      {
        kind: 'train-clips',
        set: s.videos,
        idx: [j, j + 4, j + 8].map((i) => i % 10),
        shape,
        augment: CLIP_AUGMENT,
      },
    ];
    const stream = new BatchStream(6, train, { shared: new Rng('c', 0) }, 'cpu');
    await drain(stream, 6);
    assert.ok(reader.cache.peak <= bound, `bound ${bound}: ${reader.cache.peak} bytes held at most`);
    if (bound > total) assert.equal(reader.cache.bytes, total, 'the whole set, read once');
    else assert.ok(reader.cache.bytes < total);
    if (bound === 0) assert.equal(reader.cache.bytes, 0);
    // Stored frames take room too; past the bound they go to a raw file, and come back the same.
    const w = reader.writer(W, W);
    const frames = [new Uint8Array(W * W * 3).fill(7), new Uint8Array(W * W * 3).fill(9)];
    const room = bound - reader.cache.bytes;
    const src = w.add(frames);
    w.close();
    assert.equal(src.kind, room >= 2 * W * W * 3 ? 'bytes' : 'raw');
    const back = await reader.frames(src);
    assert.deepEqual(back.slice(W * W * 3), frames[1]);
    reader.forget([src]);
    assert.ok(reader.cache.peak <= bound);
    await reader.close();
  }
});

test('read-ahead is bounded: never more than `ahead` batches beyond the one in use', async () => {
  const reader = new FrameReader({ workers: 2, cacheBytes: 0 });
  const s = await sets(reader);
  const train = (j: number): Part[] => [
    { kind: 'train-clips', set: s.videos, idx: [j, (j + 1) % 10], shape, augment: CLIP_AUGMENT },
  ];
  const stream = new BatchStream(10, train, { shared: new Rng('a', 0) }, 'cpu', { ahead: 2 });
  let most = 0;
  for (let j = 0; j < 10; j++) {
    T.dispose(await stream.nextBatch());
    most = Math.max(most, stream.readAhead, (reader.counts.started - reader.counts.finished) / 2);
    await new Promise((r) => setTimeout(r, 20)); // a slow trainer: the loader must not run on
    most = Math.max(most, stream.readAhead, (reader.counts.started - reader.counts.finished) / 2);
  }
  assert.ok(most <= 2, `${most} batches read ahead`);
  assert.equal(stream.taken, 10);
  assert.ok(stream.waited >= 0);
  await reader.close();
});

test('a broken file gives an error naming it, not a hang or a crash', { timeout: 60_000 }, async () => {
  const dir = await tempDir('loader-bad');
  const reader = new FrameReader({ workers: 1, cacheBytes: 0 });
  const { videos, images } = await sets(reader);
  // A video cut short behind its header: the header is read, the frames fail when a batch needs them.
  const v = videos.items[0]?.source as { path: string };
  const cut = join(dir, 'cut.avi');
  await copyFile(v.path, cut);
  await truncate(cut, Math.floor((await readFile(cut)).length / 3));
  const broken = await readVideoSet(
    {
      name: 'bad',
      root: dir,
      classes: videos.classes,
      samples: [{ path: cut, id: 'cut', label: 0, className: 'x' }],
    },
    { width: W, height: W, maxFrames: 12, reader },
  );
  const set = { ...videos, items: [...(broken.items as VideoSet['items']), ...videos.items] };
  const stream = new BatchStream(
    2,
    (j) => [{ kind: 'test-clips', set, idx: [j * 2, j * 2 + 1], shape, clips: 2 }],
    null,
    'cpu',
  );
  await assert.rejects(stream.nextBatch(), (e: unknown) => {
    assert.ok(e instanceof DataError, String(e));
    assert.match(e.message, /cut\.avi: /);
    return true;
  });
  // Not a video at all: reading the set names the file.
  const junk = join(dir, 'junk.avi');
  await writeFile(junk, 'not a video');
  await assert.rejects(
    readVideoSet(
      {
        name: 'bad',
        root: dir,
        classes: ['x'],
        samples: [{ path: junk, id: 'junk', label: 0, className: 'x' }],
      },
      { width: W, height: W, maxFrames: 12, reader },
    ),
    /junk\.avi/,
  );
  // A corrupt image: the batch that needs it names it; the sound images still load.
  const bad = join(dir, 'bad.png');
  await writeFile(bad, Buffer.from('\x89PNG\r\n\x1a\n garbage'));
  const pics = {
    ...images,
    items: [
      {
        ...(images.items[0] as ImageSet['items'][number]),
        source: { kind: 'image' as const, path: bad, width: W, height: W },
      },
      ...images.items,
    ],
  };
  const d = drawBatch([{ kind: 'images', set: pics, idx: [0, 1], size: 16, augment: null, views: 1 }], null);
  await assert.rejects(d.ready, /bad\.png: cannot read image/);
  const ok = drawBatch([{ kind: 'images', set: pics, idx: [1, 2], size: 16, augment: null, views: 1 }], null);
  await ok.ready;
  T.dispose(ok.take('cpu'));
  await reader.close();
});
