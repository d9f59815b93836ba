// Train mode and eval mode differ exactly where batch norm and dropout say they should.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createModel, I3DResNet50, type Network, type ResNet } from '../../src/models/index.js';
import { add, cat, mean, mul, narrow, noGrad, tidy, variance, type Tensor } from '../../src/torch/index.js';
import { maxAbsDiff } from '../helpers.js';
import { testInput } from './fill.js';

const run = (m: Network, x: Tensor): Tensor => noGrad(() => m.forward(x));
const snapshot = (m: Network, key: string): Tensor => m.stateDict()[key]!.clone();

test('batch norm: eval uses running statistics (samples independent, nothing moves)', () => {
  const m = createModel('resnet-small', { head: 'classifier', classes: 5 });
  tidy(() => {
    m.train();
    run(m, testInput([4, 3, 32, 32], 'warm')); // move the running statistics off their defaults
    m.eval();
    const before = snapshot(m, 'layer1.0.bn1.running_mean');
    const a = testInput([1, 3, 32, 32], 'a');
    const alone = run(m, a);
    const inBatch = narrow(run(m, cat([a, testInput([3, 3, 32, 32], 'b')])), 0, 0, 1);
    assert.ok(maxAbsDiff(alone, inBatch) < 1e-5, 'a sample does not see its batch in eval mode');
    assert.equal(maxAbsDiff(before, m.stateDict()['layer1.0.bn1.running_mean']!), 0);
    assert.equal(m.stateDict()['bn1.num_batches_tracked']!.item(), 1);
  });
  m.dispose();
});

test('batch norm: train normalises by the batch and moves the running statistics by momentum 0.1', () => {
  const m = (createModel('resnet-small', { head: 'classifier', classes: 5 }) as ResNet).train();
  tidy(() => {
    const a = testInput([1, 3, 32, 32], 'a');
    const b = testInput([3, 3, 32, 32], 'b');
    const first = narrow(run(m, cat([a, b])), 0, 0, 1);
    // bn1 started at mean 0, var 1 and saw conv1's output once: 0.9 * old + 0.1 * batch.
    const h = noGrad(() => m.conv1.forward(cat([a, b])));
    const sd = m.stateDict();
    assert.ok(maxAbsDiff(sd['bn1.running_mean']!, mul(mean(h, [0, 2, 3]), 0.1)) < 1e-6, 'running_mean');
    assert.ok(
      maxAbsDiff(sd['bn1.running_var']!, add(mul(variance(h, [0, 2, 3]), 0.1), 0.9)) < 1e-5,
      'running_var (unbiased)',
    );
    const other = narrow(run(m, cat([a, testInput([3, 3, 32, 32], 'c')])), 0, 0, 1);
    assert.ok(maxAbsDiff(first, other) > 1e-3, 'a sample sees its batch in train mode');
    assert.equal(m.stateDict()['bn1.num_batches_tracked']!.item(), 2);
    const again = narrow(run(m, cat([a, b])), 0, 0, 1);
    assert.equal(maxAbsDiff(first, again), 0, 'batch statistics are deterministic');
  });
  m.dispose();
});

test('dropout: only i3d-r50 has it, before fc; train-mode passes differ there and nowhere else', () => {
  const m = new I3DResNet50({ classes: 10 }).train();
  tidy(() => {
    const x = testInput([2, 3, 8, 32, 32], 'clip');
    const z1 = noGrad(() => m.embed(x));
    const z2 = noGrad(() => m.embed(x));
    assert.equal(maxAbsDiff(z1, z2), 0, 'the trunk (batch norm only) repeats exactly');
    assert.ok(maxAbsDiff(run(m, x), run(m, x)) > 1e-4, 'dropout draws a new mask each pass');
    m.eval();
    assert.equal(maxAbsDiff(run(m, x), run(m, x)), 0, 'eval mode is deterministic');
  });
  const noDrop = createModel('i3d-r50', { classes: 10, dropout: 0 }).train();
  tidy(() => {
    const x = testInput([2, 3, 8, 32, 32], 'clip');
    assert.equal(maxAbsDiff(run(noDrop, x), run(noDrop, x)), 0, 'dropout 0: train mode repeats');
  });
  for (const name of ['r3d-small', 'unet-small']) {
    const n = createModel(name).train();
    const shape = n.kind === 'action' ? [2, 3, 4, 32, 32] : [2, 3, 32, 32];
    tidy(() => {
      const x = testInput(shape, 'x');
      assert.equal(maxAbsDiff(run(n, x), run(n, x)), 0, `${name} has no dropout`);
    });
    n.dispose();
  }
  m.dispose();
  noDrop.dispose();
});

test('i3d-r50 needs 7 frames (its pools shrink time 8x) and says so, not libtorch', () => {
  const m = new I3DResNet50({ classes: 10 }).eval();
  tidy(() => {
    assert.deepEqual(noGrad(() => m.forward(testInput([1, 3, 7, 32, 32], 'clip'))).shape, [1, 10]);
    assert.throws(
      () => noGrad(() => m.forward(testInput([1, 3, 6, 32, 32], 'clip'))),
      /i3d-r50: needs clips of at least 7 frames .*got 6/,
    );
  });
});
