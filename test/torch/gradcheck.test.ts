// Every differentiable operator veil's models use: autograd's gradient against central finite
// differences in float64 (relative error below 1e-6).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as T from '../../src/torch/index.js';
import { F, type Tensor } from '../../src/torch/index.js';

const f64 = { dtype: 'float64' as const };
const r = (...s: number[]): Tensor => T.randn(s, f64);
const pos = (...s: number[]): Tensor => T.add(T.rand(s, f64), 0.5);
const idx = (v: number[], shape?: number[]): Tensor => T.tensor(v, shape ?? [v.length], { dtype: 'int64' });

type Case = [name: string, fn: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[]];

const cases: Case[] = [
  [
    'conv2d',
    (x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }),
    () => [r(2, 2, 5, 4), r(3, 2, 3, 3), r(3)],
  ],
  [
    'conv2d groups+dilation',
    (x, w) => F.conv2d(x, w, null, { groups: 2, dilation: 2, padding: 2 }),
    () => [r(1, 4, 5, 5), r(2, 2, 3, 3)],
  ],
  [
    'conv3d',
    (x, w, b) => F.conv3d(x, w, b, { stride: [1, 2, 2], padding: 1 }),
    () => [r(1, 2, 3, 4, 4), r(2, 2, 3, 3, 3), r(2)],
  ],
  [
    'conv_transpose2d',
    (x, w, b) => F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 }),
    () => [r(1, 2, 3, 3), r(2, 3, 3, 3), r(3)],
  ],
  [
    'batch_norm train',
    (x, g, b) => F.batchNorm(x, { weight: g, bias: b, training: true }),
    () => [r(4, 3, 2, 2), r(3), r(3)],
  ],
  [
    'batch_norm eval',
    (x, g, b) =>
      F.batchNorm(x, {
        weight: g,
        bias: b,
        runningMean: T.zeros([3], f64),
        runningVar: T.full([3], 2, f64),
        training: false,
      }),
    () => [r(2, 3, 2, 2), r(3), r(3)],
  ],
  ['relu', (x) => F.relu(x), () => [r(3, 4)]],
  ['leaky_relu', (x) => F.leakyRelu(x, 0.2), () => [r(3, 4)]],
  ['sigmoid', (x) => F.sigmoid(x), () => [r(3, 4)]],
  ['tanh', (x) => F.tanh(x), () => [r(3, 4)]],
  ['softmax', (x) => F.softmax(x, 1), () => [r(3, 4)]],
  ['log_softmax', (x) => F.logSoftmax(x, 0), () => [r(3, 4)]],
  ['max_pool2d', (x) => F.maxPool2d(x, 2), () => [r(1, 2, 4, 4)]],
  ['max_pool3d', (x) => F.maxPool3d(x, [1, 2, 2], { stride: [1, 2, 2] }), () => [r(1, 1, 2, 4, 4)]],
  ['avg_pool2d', (x) => F.avgPool2d(x, 3, { stride: 2, padding: 1 }), () => [r(1, 2, 5, 5)]],
  ['avg_pool3d', (x) => F.avgPool3d(x, 2), () => [r(1, 1, 4, 4, 4)]],
  ['adaptive_avg_pool2d', (x) => F.adaptiveAvgPool2d(x, [2, 3]), () => [r(1, 2, 5, 7)]],
  ['adaptive_avg_pool3d', (x) => F.adaptiveAvgPool3d(x, 1), () => [r(2, 2, 3, 3, 3)]],
  ['adaptive_max_pool2d', (x) => F.adaptiveMaxPool2d(x, 2), () => [r(1, 2, 4, 4)]],
  [
    'interpolate nearest',
    (x) => F.interpolate(x, { scaleFactor: 2, mode: 'nearest' }),
    () => [r(1, 2, 3, 3)],
  ],
  [
    'interpolate bilinear',
    (x) => F.interpolate(x, { size: [5, 7], mode: 'bilinear' }),
    () => [r(1, 2, 3, 4)],
  ],
  [
    'interpolate trilinear',
    (x) => F.interpolate(x, { scaleFactor: 2, mode: 'trilinear' }),
    () => [r(1, 1, 2, 2, 2)],
  ],
  ['cat', (a, b) => F.cat([a, b], 1), () => [r(2, 3), r(2, 2)]],
  ['stack', (a, b) => F.stack([a, b], 0), () => [r(2, 3), r(2, 3)]],
  ['view/permute/contiguous', (x) => F.contiguous(F.permute(x.view(2, 3, 4), [2, 0, 1])), () => [r(6, 4)]],
  ['reshape/transpose', (x) => F.transpose(x.reshape(3, 8), 0, 1), () => [r(4, 6)]],
  ['narrow', (x) => F.narrow(x, 1, 1, 2), () => [r(3, 4)]],
  ['index_select', (x) => F.indexSelect(x, 0, idx([2, 0, 2])), () => [r(3, 4)]],
  ['gather', (x) => F.gather(x, 1, idx([0, 3, 1, 1, 2, 0], [3, 2])), () => [r(3, 4)]],
  ['matmul', (a, b) => F.matmul(a, b), () => [r(2, 3, 4), r(4, 5)]],
  ['linear', (x, w, b) => F.linear(x, w, b), () => [r(3, 4), r(5, 4), r(5)]],
  [
    'add/sub/mul/div',
    (a, b) => F.div(F.mul(F.sub(F.add(a, b), 0.5), a), F.add(F.mul(b, b), 1)),
    () => [r(3, 4), r(3, 4)],
  ],
  ['broadcast mul', (a, b) => F.mul(a, b), () => [r(3, 4), r(1, 4)]],
  ['clamp', (x) => F.clamp(x, -0.5, 0.7), () => [r(4, 5)]],
  ['pow', (x) => F.pow(x, 3), () => [r(3, 4)]],
  ['pow tensor', (x, e) => F.pow(x, e), () => [pos(3, 4), r(3, 4)]],
  ['sqrt', (x) => F.sqrt(x), () => [pos(3, 4)]],
  ['exp', (x) => F.exp(x), () => [r(3, 4)]],
  ['log', (x) => F.log(x), () => [pos(3, 4)]],
  ['abs', (x) => F.abs(x), () => [r(3, 4)]],
  ['sum dims', (x) => F.sum(x, [0, 2], true), () => [r(2, 3, 4)]],
  ['mean dim', (x) => F.mean(x, 1), () => [r(2, 3, 4)]],
  ['max dim', (x) => F.maxDim(x, 1)[0], () => [r(3, 5)]],
  ['min dim', (x) => F.minDim(x, 0)[0], () => [r(3, 5)]],
  ['amax', (x) => F.amax(x, [1, 2]), () => [r(2, 3, 4)]],
  ['std', (x) => F.std(x, 1), () => [r(3, 5)]],
  ['normalize', (x) => F.normalize(x, 1), () => [r(4, 6)]],
  [
    'dropout',
    (x) => {
      T.manualSeed(11); // the same mask at every evaluation
      return F.dropout(x, 0.3, true);
    },
    () => [r(4, 5)],
  ],
  ['pad constant', (x) => F.pad(x, [1, 2, 0, 1], 'constant', 0.5), () => [r(1, 2, 3, 3)]],
  ['pad reflect', (x) => F.pad(x, [1, 1, 2, 1], 'reflect'), () => [r(1, 2, 4, 4)]],
  ['pad replicate', (x) => F.pad(x, [1, 1, 1, 1], 'replicate'), () => [r(1, 2, 3, 3)]],
  ['flip', (x) => F.flip(x, [0, 1]), () => [r(3, 4)]],
  ['where', (a, b) => F.where(F.gt(a, b), a, b), () => [r(3, 4), r(3, 4)]],
  ['cross_entropy', (x) => F.crossEntropy(x, idx([1, 0, 3])), () => [r(3, 4)]],
  [
    'cross_entropy smoothing',
    (x) => F.crossEntropy(x, idx([1, 0, 3]), { labelSmoothing: 0.1 }),
    () => [r(3, 4)],
  ],
  [
    'bce_with_logits',
    (x) => F.binaryCrossEntropyWithLogits(x, T.tensor([1, 0, 1, 1, 0, 0], [2, 3], f64)),
    () => [r(2, 3)],
  ],
  ['l1_loss', (x, y) => F.l1Loss(x, y), () => [r(3, 4), r(3, 4)]],
  ['mse_loss', (x, y) => F.mseLoss(x, y, 'sum'), () => [r(3, 4), r(3, 4)]],
];

for (const [name, fn, inputs] of cases) {
  test(`gradcheck ${name}`, () => {
    T.tidy(() => {
      T.manualSeed(42);
      const res = T.gradcheck(fn, inputs());
      assert.ok(res.maxRelError < 1e-6, `${name}: relative errors ${res.relErrors.join(', ')}`);
    });
  });
}

test('gradcheck catches a wrong gradient', () => {
  // detach() cuts the graph: autograd then reports a zero gradient the finite differences disagree with.
  T.tidy(() => {
    const res = T.gradcheck((x) => F.add(F.mul(x.detach(), x), 0), [r(3)]);
    assert.ok(res.maxRelError > 0.1);
  });
});
