import assert from 'node:assert/strict';
import { test } from 'node:test';

import { meanStd } from '../../src/eval/metrics.js';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) < tol, `${a} != ${b}`);

test('mean and sample standard deviation', () => {
  const s = meanStd([1, 2, 3, 4]);
  close(s.mean, 2.5);
  close(s.std, Math.sqrt(5 / 3));
  assert.equal(meanStd([7]).std, 0);
});
