import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { augmentFrames, centreCrop } from '../../src/data/augment.js';
import { testClips } from '../../src/data/clips.js';
import { readUcf101, readVispr } from '../../src/data/datasets/index.js';
import { DataError } from '../../src/data/errors.js';
import {
  type ClipBatch,
  ClipLoader,
  fromImageSamples,
  fromVideoSamples,
  ImageLoader,
  synthClipItems,
  synthImageItems,
  TaskPool,
} from '../../src/data/loader/index.js';
import { renderClipFrames, sampleScene, writeSynthPAR } from '../../src/data/synthpar/index.js';
import type { Task, TaskResult } from '../../src/data/loader/tasks.js';
import * as T from '../../src/torch/index.js';
import { tempDir } from './helpers.js';

let root = '';
before(async () => {
  root = join(await tempDir('loader'), 'synth');
  await writeSynthPAR({ out: root, clips: 20, images: 12, width: 32, height: 32, frames: 12, seed: 4 });
});

const clipOpts = { batchSize: 3, frames: 4, stride: 2, size: 24, seed: 9 };

/** Every batch of an epoch as plain arrays, tensors freed. */
async function drain(
  loader: ClipLoader,
  epoch: number,
): Promise<{ x: Float32Array; y: number[]; index: number[] }[]> {
  const out = [];
  for await (const b of loader.epoch(epoch)) {
    out.push({ x: b.x.data() as Float32Array, y: b.y.toArray(), index: [...b.index] });
    b.x.dispose();
    b.y.dispose();
  }
  return out;
}

test('clip batches are (B, 3, T, H, W) float32 in [0, 1] with int64 labels, and do not depend on the workers', async () => {
  const { samples } = await readUcf101(root, { subset: 'train' });
  const items = fromVideoSamples(samples);
  const runs = [];
  for (const workers of [0, 1, 2]) {
    const loader = new ClipLoader(items, { ...clipOpts, workers });
    assert.equal(loader.batchesPerEpoch, Math.floor(items.length / 3));
    let first: ClipBatch | undefined;
    for await (const b of loader.epoch(0)) {
      first ??= b;
      break;
    }
    assert.deepEqual(first!.x.shape, [3, 3, 4, 24, 24]);
    assert.equal(first!.x.dtype, 'float32');
    assert.equal(first!.y.dtype, 'int64');
    const v = first!.x.data() as Float32Array;
    assert.ok(v.every((p) => p >= 0 && p <= 1));
    assert.deepEqual(
      first!.y.toArray(),
      [...first!.index].map((i) => items[i]!.label),
    );
    T.dispose(first);
    runs.push([await drain(loader, 0), await drain(loader, 1)]);
    await loader.close();
  }
  assert.deepEqual(runs[1], runs[0], 'one worker gives what the calling thread gives');
  assert.deepEqual(runs[2], runs[0], 'two workers too');
  const fresh = new ClipLoader(items, { ...clipOpts, workers: 1 });
  assert.deepEqual(await drain(fresh, 1), runs[0]![1], 'epoch 1 read ahead during epoch 0 is epoch 1');
  await fresh.close();
  const [e0, e1] = runs[0]!;
  assert.notDeepEqual(
    e0!.map((b) => b.index),
    e1!.map((b) => b.index),
    'each epoch has its own order',
  );
});

test('test mode: K centre-cropped clips per video, video-major, in dataset order', async () => {
  const items = synthClipItems({ seed: 3, width: 40, height: 32, frames: 20 }, 5);
  const loader = new ClipLoader(items, { ...clipOpts, mode: 'test', testClips: 3, workers: 1 });
  assert.equal(loader.batchesPerEpoch, 2, 'the last, smaller batch is kept');
  const batches = await drain(loader, 0);
  await loader.close();
  assert.deepEqual(
    batches.map((b) => b.index),
    [
      [0, 1, 2],
      [3, 4],
    ],
  );
  const plane = 3 * 4 * 24 * 24;
  assert.equal(batches[1]!.x.length, 2 * 3 * plane);
  // Video 4's second clip, computed directly from the generator.
  const scene = sampleScene(3, 'known', 4);
  const clip = testClips(20, 4, 2, 3)[1]!;
  const f = renderClipFrames(scene, 20, clip, { width: 40, height: 32 });
  const want = augmentFrames(f.frames, 40, 32, centreCrop(40, 32, 0.8), 24, 24);
  assert.deepEqual(batches[1]!.x.subarray(4 * plane, 5 * plane), want);
});

test('image batches: two views per image for NT-Xent, attribute labels, eval centre crops', async () => {
  const d = await readVispr(join(root, 'vispr'), { split: 'train' });
  const pair = new ImageLoader(fromImageSamples(d.samples), { batchSize: 4, size: 16, seed: 1, workers: 2 });
  for await (const b of pair.epoch(0)) {
    assert.deepEqual(b.x.shape, [4, 3, 16, 16]);
    assert.deepEqual(b.x2!.shape, [4, 3, 16, 16]);
    assert.notDeepEqual(b.x.data(), b.x2!.data(), 'the two views differ');
    assert.deepEqual(b.labels!.shape, [4, 7]);
    assert.deepEqual(
      [...b.labels!.data()],
      [...b.index].flatMap((i) => [...d.samples[i]!.labels]),
    );
    T.dispose(b);
  }
  await pair.close();
  const items = synthImageItems({ seed: 2, width: 32, height: 32 }, 6);
  const runs: number[][] = [];
  for (const workers of [0, 2]) {
    const ev = new ImageLoader(items, { batchSize: 6, size: 16, mode: 'eval', workers });
    for await (const b of ev.epoch(0)) {
      assert.equal(b.x2, null);
      runs.push(Array.from(b.x.data() as Float32Array));
      T.dispose(b);
    }
    await ev.close();
  }
  assert.deepEqual(runs[1], runs[0]);
});

test('a broken item fails its batch with an error naming the file', async () => {
  const { samples } = await readUcf101(root, { subset: 'test' });
  // First, so that dropping the last partial batch cannot drop it.
  const items = [
    { source: { kind: 'file' as const, path: join(root, 'gone.avi') }, label: 0 },
    ...fromVideoSamples(samples),
  ];
  const loader = new ClipLoader(items, { ...clipOpts, batchSize: 2, shuffle: false, workers: 1 });
  await assert.rejects(drain(loader, 0), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /gone\.avi: video not found/);
    return true;
  });
  await loader.close();
});

test('read-ahead is bounded: at most `prefetch` batches are in the pool at once', async () => {
  let running = 0;
  let most = 0;
  class CountingPool extends TaskPool {
    override runGroup(tasks: Task[]): Promise<TaskResult[]> {
      running += tasks.length;
      most = Math.max(most, running);
      return super.runGroup(tasks).finally(() => (running -= tasks.length));
    }
  }
  const pool = new CountingPool(2);
  const loader = new ClipLoader(synthClipItems({ seed: 1, width: 32, height: 32, frames: 8 }, 16), {
    ...clipOpts,
    batchSize: 2,
    prefetch: 2,
    pool,
  });
  for await (const b of loader.epoch(0)) {
    T.dispose(b);
    await new Promise((r) => setTimeout(r, 30));
  }
  await loader.close();
  await pool.close();
  assert.ok(most <= 4 && most >= 2, `${most} tasks were in flight`);
});
