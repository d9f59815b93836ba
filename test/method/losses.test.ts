import assert from 'node:assert/strict';
import { test } from 'node:test';

import { anonymizerLoss, distortion, ntXent, penaltyLoss, rmsDistortion } from '../../src/method/losses.js';
import * as T from '../../src/torch/index.js';

const z1 = () => T.tensor([1, 0, 0.6, 0.8, 0, 1], [3, 2]);
const z2 = () => T.tensor([0.8, 0.6, 0, 1, -0.6, 0.8], [3, 2]);

test('NT-Xent matches PyTorch (2N anchors, other view positive, temperature 0.1 and 0.5)', () => {
  // Values from torch 1.13: F.cross_entropy over z z^T / t with the diagonal at -inf.
  assert.ok(Math.abs(ntXent(z1(), z2(), 0.1).item() - 1.5198373794555664) < 1e-5);
  assert.ok(Math.abs(ntXent(z1(), z2(), 0.5).item() - 1.2524585723876953) < 1e-5);
});

test('NT-Xent by hand for N = 2 orthogonal pairs', () => {
  // Views equal, the two images orthogonal: each anchor sees its positive at cos 1, two negatives at 0.
  const a = T.tensor([1, 0, 0, 1], [2, 2]);
  const t = 0.1;
  const want = -Math.log(Math.exp(1 / t) / (Math.exp(1 / t) + 2 * Math.exp(0)));
  assert.ok(Math.abs(ntXent(a, a.clone(), t).item() - want) < 1e-5);
  assert.throws(() => ntXent(T.tensor([1, 0], [1, 2]), T.tensor([1, 0], [1, 2])), /at least 2/);
});

test('L_penalty: zero within the budget, RMS - B beyond it, differentiable unless detached', () => {
  const x = T.zeros([2, 3, 4, 4]);
  const xa = T.full([2, 3, 4, 4], 0.5).requiresGrad_();
  assert.ok(Math.abs(rmsDistortion(x, xa).item() - 0.5) < 1e-6);
  assert.equal(penaltyLoss(x, xa, 0.7).item(), 0);
  const p = penaltyLoss(x, xa, 0.3);
  assert.ok(Math.abs(p.item() - 0.2) < 1e-6);
  p.backward();
  const g = xa.grad;
  assert.ok(
    g && Math.abs((g.data()[0] as number) - 0.5 / 0.5 / 96) < 1e-7,
    'd RMS / d xa_i = (xa_i - x_i) / (RMS n)',
  );
  const none = penaltyLoss(x, xa, 0.3, 'none');
  assert.ok(Math.abs(none.item() - 0.2) < 1e-6);
  assert.equal(none.requiresGrad, false, "the released code's penalty carries no gradient");
});

test("the motion budget: a distortion constant over a clip's frames is free, one that changes is the RMS of its change", () => {
  const x = T.rand([2, 3, 4, 5, 5]);
  // f_A adds the same image to every frame: RMS 0.5, motion distortion 0.
  const still = x.add(T.full([2, 3, 1, 5, 5], 0.5));
  assert.ok(Math.abs(distortion(x, still).item() - 0.5) < 1e-5);
  assert.ok(distortion(x, still, 'motion').item() < 1e-6);
  assert.equal(penaltyLoss(x, still, 0.1, 'hinge', 'motion').item(), 0);
  // f_A adds 0.1 t to frame t: every change between frames is 0.1.
  const ramp = T.arange(4).reshape(1, 1, 4, 1, 1).mul(0.1);
  const moving = x.sub(ramp).requiresGrad_();
  assert.ok(Math.abs(distortion(x, moving, 'motion').item() - 0.1) < 1e-5);
  const p = penaltyLoss(x, moving, 0.05, 'hinge', 'motion');
  assert.ok(Math.abs(p.item() - 0.05) < 1e-5);
  p.backward();
  const g = moving.grad?.data() as Float32Array;
  // Only the first and last frames' gradients are one-sided; the middle frames' cancel.
  assert.ok(
    g.some((v) => Math.abs(v) > 1e-6),
    "the penalty's gradient reaches f_A's output",
  );
  assert.throws(() => distortion(x.narrow(2, 0, 1), still.narrow(2, 0, 1), 'motion'), /T >= 2/);
});

test('L_A = w_T L_T - w_B L_B + lambda L_penalty', () => {
  const v = anonymizerLoss(T.scalar(2), T.scalar(3), T.scalar(0.5), { wT: 1, wB: 2, lambda: 4 }).item();
  assert.equal(v, 2 - 6 + 2);
});
