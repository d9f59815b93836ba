import assert from 'node:assert/strict';
import { test } from 'node:test';

import { fittedStride, testClips, trainClip } from '../../src/data/clips.js';
import { Rng } from '../../src/data/rng.js';

const steps = (c: number[]): number[] => c.slice(1).map((v, i) => v - c[i]!);

test('training clips: T frames at stride s from a random start, inside the video', () => {
  const rng = new Rng(1);
  const starts = new Set<number>();
  for (let i = 0; i < 200; i++) {
    const c = trainClip(100, 16, 2, rng);
    assert.equal(c.length, 16);
    assert.ok(steps(c).every((d) => d === 2));
    assert.ok(c[0]! >= 0 && c[15]! <= 99);
    starts.add(c[0]!);
  }
  assert.ok(starts.size > 40, 'starts spread over the video');
  assert.ok(starts.has(0) || starts.has(1));
  assert.deepEqual(trainClip(100, 16, 2, new Rng(9)), trainClip(100, 16, 2, new Rng(9)), 'seeded');
});

test('the stride halves until the clip fits; shorter videos repeat their last frame', () => {
  assert.equal(fittedStride(31, 16, 2), 2);
  assert.equal(fittedStride(30, 16, 2), 1);
  assert.equal(fittedStride(40, 16, 4), 2);
  assert.equal(fittedStride(5, 16, 8), 1);
  assert.ok(steps(trainClip(20, 16, 2, new Rng(2))).every((d) => d === 1));
  assert.deepEqual(trainClip(10, 16, 2, new Rng(3)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9]);
  assert.deepEqual(trainClip(1, 3, 1, new Rng(3)), [0, 0, 0]);
  assert.throws(() => trainClip(0, 16, 2, new Rng(1)), /at least one frame/);
  assert.throws(() => trainClip(10, 16, 0, new Rng(1)), /bad stride/);
});

test('test clips: K evenly spaced starts covering the video from its first to its last frame', () => {
  const clips = testClips(100, 16, 2, 5);
  assert.equal(clips.length, 5);
  assert.deepEqual(
    clips.map((c) => c[0]),
    [0, 17, 35, 52, 69],
  );
  assert.equal(clips[4]![15], 99);
  assert.ok(clips.every((c) => steps(c).every((d) => d === 2)));
  assert.deepEqual(testClips(100, 16, 2, 1)[0]![0], 34, 'one clip is centred');
  assert.deepEqual(testClips(8, 4, 2, 3), [
    [0, 2, 4, 6],
    [1, 3, 5, 7],
    [1, 3, 5, 7],
  ]);
});
