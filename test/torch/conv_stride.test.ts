// Strided 1x1 convolutions run as stride-1 ones on a subsampled input (src/torch/ops/nn.ts): in
// float32 the output and input gradient bit for bit what libtorch's strided kernel gives, the
// weight gradient within rounding (its sums run in another order); and the bf16 channels-last case
// whose weight gradient corrupted the heap in libtorch 1.13's oneDNN now runs.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as T from '../../src/torch/index.js';
import { F, type Tensor } from '../../src/torch/index.js';
import { maxAbsDiff } from '../helpers.js';

/** Output, input gradient and weight gradient of one convolution, as plain arrays. */
function run(
  conv: (x: Tensor, w: Tensor) => Tensor,
  xShape: number[],
  wShape: number[],
  format: T.MemoryFormat,
): number[][] {
  return T.tidy(() => {
    T.manualSeed(3);
    const x = T.randn(xShape).contiguous(format).requiresGrad_();
    const w = T.randn(wShape).contiguous(format).requiresGrad_();
    const y = conv(x, w);
    y.mul(T.randn(y.shape)).sum().backward();
    return [y, x.grad as Tensor, w.grad as Tensor].map((t) => t.contiguous().toArray());
  });
}

test("a strided 1x1 convolution equals libtorch's strided kernel: values, input and weight gradients", () => {
  const cases: [number[], number[], number[], T.MemoryFormat][] = [
    [[2, 8, 15, 14], [16, 8, 1, 1], [2, 2], 'contiguous_format'],
    [[2, 8, 15, 14], [16, 8, 1, 1], [2, 2], 'channels_last'],
    [[2, 4, 9, 10], [6, 4, 1, 1], [1, 3], 'channels_last'],
    [[2, 4, 5, 9, 10], [6, 4, 1, 1, 1], [1, 2, 2], 'contiguous_format'],
    [[2, 4, 5, 9, 10], [6, 4, 1, 1, 1], [2, 2, 2], 'channels_last_3d'],
  ];
  for (const [xs, ws, stride, format] of cases) {
    const name = xs.length === 4 ? 'aten::conv2d' : 'aten::conv3d';
    const ours = run(
      (x, w) => (xs.length === 4 ? F.conv2d : F.conv3d)(x, w, null, { stride }),
      xs,
      ws,
      format,
    );
    const theirs = run((x, w) => T.op(name, x, w, null, stride, 0, 1, 1), xs, ws, format);
    const what = `${name} stride ${stride.join('x')} ${format}`;
    assert.deepEqual(ours.slice(0, 2), theirs.slice(0, 2), what);
    const [gw, ref] = [ours[2] as number[], theirs[2] as number[]];
    const scale = Math.max(...ref.map(Math.abs));
    assert.ok(
      gw.every((v, i) => Math.abs(v - (ref[i] as number)) <= 1e-6 * scale),
      `${what}: weight gradient`,
    );
  }
});

test('convolutions that are not strided 1x1 ones go to libtorch as they are', () => {
  // 1x1 with padding, and 3x3 strided: the rewrite would change them, so it must leave them alone.
  for (const [ws, o] of [
    [[6, 4, 1, 1], { stride: 2, padding: 1 }],
    [[6, 4, 3, 3], { stride: 2, padding: 1 }],
  ] as const) {
    const xs = [2, 4, 9, 9];
    const ours = run((x, w) => F.conv2d(x, w, null, o), xs, [...ws], 'contiguous_format');
    const theirs = run(
      (x, w) => T.op('aten::conv2d', x, w, null, o.stride, o.padding, 1, 1),
      xs,
      [...ws],
      'contiguous_format',
    );
    assert.deepEqual(ours, theirs);
  }
});

test('bf16 channels-last strided 1x1 convolution trains without corrupting the heap', () => {
  // The case that aborted the process with "double free or corruption" through the strided kernel
  // (PyTorch 1.13 itself does too): ResNet's 8 -> 16 channel shortcut on 8 images of 112x112.
  for (let i = 0; i < 2; i++)
    T.tidy(() => {
      const x = T.rand([8, 8, 112, 112]).contiguous('channels_last').requiresGrad_();
      const w = T.randn([16, 8, 1, 1]).contiguous('channels_last').requiresGrad_();
      const y = T.autocast(() => F.conv2d(x, w, null, { stride: 2 }));
      assert.equal(y.dtype, 'bfloat16');
      y.float().sum().backward();
      const reference = T.noGrad(() => T.op('aten::conv2d', x, w, null, 2, 0, 1, 1));
      // bf16 keeps 8 bits of mantissa: a relative error of a few parts in a thousand.
      const scale = reference
        .abs()
        .toArray()
        .reduce((m, v) => Math.max(m, v), 0);
      assert.ok(maxAbsDiff(y.float(), reference) < 0.05 * scale);
      assert.deepEqual(w.grad?.shape, [16, 8, 1, 1]);
      assert.ok(Number.isFinite((x.grad as Tensor).sum().item()));
    });
});
