// Operator values against PyTorch 1.13 on fixed inputs (fixtures/make_fixtures.py made them).
import assert from 'node:assert/strict';
import { after, test } from 'node:test';

import * as T from '../../src/torch/index.js';
import { F, type Tensor } from '../../src/torch/index.js';
import { assertClose, fixture, maxAbsDiff } from '../helpers.js';

const { tensors: fx } = T.loadSafetensors(fixture('torch/fixtures/ops.safetensors'));
const get = (k: string): Tensor => {
  const t = fx[k];
  assert.ok(t, `fixture ${k} missing`);
  return t;
};
after(() => T.dispose(fx));

test('conv2d matches PyTorch', () => {
  const y = F.conv2d(get('conv2d.x'), get('conv2d.w'), get('conv2d.b'), { stride: 2, padding: 1 });
  assertClose(y, get('conv2d.out'), 1e-5);
});

test('conv3d matches PyTorch', () => {
  const y = F.conv3d(get('conv3d.x'), get('conv3d.w'), null, { stride: [1, 2, 2], padding: 1 });
  assertClose(y, get('conv3d.out'), 1e-5);
});

test('conv_transpose2d matches PyTorch', () => {
  const y = F.convTranspose2d(get('convt.x'), get('convt.w'), null, { stride: 2, padding: 1 });
  assertClose(y, get('convt.out'), 1e-5);
});

test('batch_norm matches PyTorch in train mode (with running stats) and eval mode', () => {
  const rm = T.zeros([3]);
  const rv = T.ones([3]);
  const opts = {
    weight: get('bn.gamma'),
    bias: get('bn.beta'),
    runningMean: rm,
    runningVar: rv,
    momentum: 0.1,
  };
  assertClose(F.batchNorm(get('bn.x'), { ...opts, training: true }), get('bn.train_out'), 1e-5);
  assertClose(rm, get('bn.running_mean'), 1e-6, 'running_mean');
  assertClose(rv, get('bn.running_var'), 1e-5, 'running_var');
  assertClose(F.batchNorm(get('bn.x'), { ...opts, training: false }), get('bn.eval_out'), 1e-5);
});

test('interpolate matches PyTorch (bilinear, nearest)', () => {
  assertClose(
    F.interpolate(get('interp.x'), { size: [8, 11], mode: 'bilinear' }),
    get('interp.bilinear'),
    1e-6,
  );
  assertClose(
    F.interpolate(get('interp.x'), { scaleFactor: 2, mode: 'nearest' }),
    get('interp.nearest'),
    1e-7,
  );
});

test('cross_entropy matches PyTorch (with and without label smoothing)', () => {
  assertClose(F.crossEntropy(get('ce.logits'), get('ce.target')).reshape(1), get('ce.out'), 1e-6);
  const s = F.crossEntropy(get('ce.logits'), get('ce.target'), { labelSmoothing: 0.1 });
  assertClose(s.reshape(1), get('ce.smooth'), 1e-6);
});

test('binary_cross_entropy_with_logits matches PyTorch', () => {
  assertClose(
    F.binaryCrossEntropyWithLogits(get('bce.logits'), get('bce.target')).reshape(1),
    get('bce.out'),
    1e-6,
  );
  const none = F.binaryCrossEntropyWithLogits(get('bce.logits'), get('bce.target'), { reduction: 'none' });
  assertClose(none, get('bce.none'), 1e-6);
});

test('elementwise, reductions and shapes give the values arithmetic says', () => {
  T.tidy(() => {
    const a = T.tensor([1, -2, 3, -4, 5, -6], [2, 3]);
    assert.deepEqual(F.abs(a).toArray(), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(F.clamp(a, -3, 2).toArray(), [1, -2, 2, -3, 2, -3]);
    assert.deepEqual(a.sum(1).toArray(), [2, -5]);
    assert.deepEqual(a.mean(0).toArray(), [-1.5, 1.5, -1.5]);
    assert.deepEqual(F.argmax(a, 1).toArray(), [2, 1]);
    assert.deepEqual(a.transpose(0, 1).contiguous().toArray(), [1, -4, -2, 5, 3, -6]);
    assert.deepEqual(F.flip(a, [1]).toArray(), [3, -2, 1, -6, 5, -4]);
    assert.deepEqual(F.where(F.gt(a, 0), a, 0).toArray(), [1, 0, 3, 0, 5, 0]);
    assert.deepEqual(F.matmul(a, T.ones([3, 1])).toArray(), [2, -5]);
    const ints = T.tensor([1, 2, 3], [3], { dtype: 'int64' });
    assert.equal(F.mul(ints, 2).dtype, 'int64', 'an integer scalar keeps an int64 tensor int64');
    assert.equal(F.mul(ints, 0.5).dtype, 'float32', 'a fractional scalar promotes as in PyTorch');
  });
});

test('random creation is reproducible under manualSeed', () => {
  T.tidy(() => {
    T.manualSeed(5);
    const a = [
      T.rand([4]),
      T.randn([4]),
      T.randint(0, 10, [4]),
      T.randperm(6),
      T.bernoulli(T.full([5], 0.5)),
    ];
    T.manualSeed(5);
    const b = [
      T.rand([4]),
      T.randn([4]),
      T.randint(0, 10, [4]),
      T.randperm(6),
      T.bernoulli(T.full([5], 0.5)),
    ];
    a.forEach((t, i) => assert.deepEqual(t.toArray(), (b[i] as Tensor).toArray()));
    const state = T.getRngState();
    const c = T.randn([3]).toArray();
    T.setRngState(state);
    assert.deepEqual(T.randn([3]).toArray(), c, 'restoring the RNG state replays the draws');
    assert.deepEqual(
      T.randperm(6)
        .toArray()
        .sort((x, y) => x - y),
      [0, 1, 2, 3, 4, 5],
    );
  });
});

test('tensors copy in from views of shared and offset buffers', () => {
  T.tidy(() => {
    const shared = new Float32Array(new SharedArrayBuffer(24), 8, 3);
    shared.set([1.5, -2, 4]);
    assert.deepEqual(T.tensor(shared).toArray(), [1.5, -2, 4]);
    const into = T.zeros([3]);
    T.native.copyFrom(into, shared);
    assert.deepEqual(into.toArray(), [1.5, -2, 4]);
    const offset = new Uint8Array(new ArrayBuffer(10), 7, 3);
    offset.set([9, 8, 7]);
    assert.deepEqual(T.tensor(offset).toArray(), [9, 8, 7]);
  });
});

test('memory formats: channels-last copies keep the values, strides say the layout, convs follow it', () => {
  T.tidy(() => {
    const x = get('conv2d.x');
    const cl = x.contiguous('channels_last');
    assert.ok(T.isContiguous(x) && !T.isContiguous(x, 'channels_last'));
    assert.ok(T.isContiguous(cl, 'channels_last') && !T.isContiguous(cl));
    assert.ok(!T.isContiguous(cl, 'channels_last_3d'), 'a 4-D tensor has no 3D channels-last layout');
    assert.equal(maxAbsDiff(cl, x), 0);
    // oneDNN's NHWC kernel: the same values, and the output keeps the input's layout.
    const y = F.conv2d(cl, get('conv2d.w'), get('conv2d.b'), { stride: 2, padding: 1 });
    assert.ok(T.isContiguous(y, 'channels_last'));
    assertClose(y, get('conv2d.out'), 1e-5);
    const v = T.rand([2, 3, 4, 5, 6]);
    assert.ok(T.isContiguous(v.contiguous('channels_last_3d'), 'channels_last_3d'));
  });
});
