// The engine works from worker threads: each JS environment has its own tensor table.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

import * as T from '../../src/torch/index.js';
import { ROOT } from '../helpers.js';

const engineUrl = pathToFileURL(join(ROOT, 'dist', 'src', 'torch', 'index.js')).href;

// Inputs are not random: libtorch's generator is one per process, shared by all threads.
function inWorker(scale: number): Promise<number[]> {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.url).then((T) => {
      const w = T.arange(108).reshape(4, 3, 3, 3).mul(workerData.scale).requiresGrad_();
      const y = T.F.conv2d(T.ones([1, 3, 6, 6]), w).pow(2).sum();
      y.backward();
      parentPort.postMessage([y.item(), w.grad.sum().item()]);
    });`;
  return new Promise((resolve, reject) => {
    const wk = new Worker(code, { eval: true, workerData: { url: engineUrl, scale } });
    wk.once('message', resolve);
    wk.once('error', reject);
  });
}

test('workers compute with the engine while the main thread keeps its own tensors', async () => {
  const mine = T.tensor([1, 2, 3]);
  const [a, b] = await Promise.all([inWorker(0.01), inWorker(0.01)]);
  assert.deepEqual(a, b, 'two workers at once give the same result');
  const expect = T.tidy(() => {
    const w = T.arange(108).reshape(4, 3, 3, 3).mul(0.01).requiresGrad_();
    const y = T.F.conv2d(T.ones([1, 3, 6, 6]), w)
      .pow(2)
      .sum();
    y.backward();
    return [y.item(), (w.grad as T.Tensor).sum().item()];
  });
  assert.deepEqual(a, expect);
  assert.deepEqual(mine.toArray(), [1, 2, 3], "the main thread's tensors are untouched");
  mine.dispose();
});
