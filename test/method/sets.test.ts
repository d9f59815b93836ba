import assert from 'node:assert/strict';
import { test } from 'node:test';

import { spacedIndices } from '../../src/data/clips.js';
import { holdOut, memoryVideoSet, type VideoSet } from '../../src/data/loader/index.js';
import { READER } from './fixtures.js';

const videos = (labels: number[]): VideoSet =>
  memoryVideoSet(
    { name: 't', reader: READER, classes: ['a', 'b', 'c'], width: 1, height: 1 },
    labels.map((label, i) => ({ id: `v${i}`, label, frames: [], boxes: null })),
  );

test('validation hold-out: every k-th video of each class, whatever the list order', () => {
  // Classes cycle with period 3, k = 2: an unstratified every-2nd rule would take class b only.
  const set = videos([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  const { train, val } = holdOut(set, 2);
  assert.deepEqual(
    val.items.map((v) => v.label),
    [0, 1, 2, 0, 1, 2],
  );
  assert.equal(train.items.length + val.items.length, 12);
  // A class with fewer than k videos still gives one (its last), a single video stays in training.
  const small = holdOut(videos([0, 0, 1]), 8);
  assert.deepEqual(
    small.val.items.map((v) => v.id),
    ['v1'],
  );
});

test('evenly spaced frame indices', () => {
  assert.deepEqual(spacedIndices(4, 8), [0, 1, 2, 3]);
  assert.deepEqual(spacedIndices(10, 5), [1, 3, 5, 7, 9]);
});
