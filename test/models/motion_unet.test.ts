// The motion-aware f_A: shapes, its start as a frame-wise UNet, what its motion input compares,
// and that gradients reach the weights that read motion.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { anonymizeClip, createModel, isTemporal, type MotionUNet } from '../../src/models/index.js';
import * as T from '../../src/torch/index.js';
import { maxAbsDiff } from '../helpers.js';

const motion = (o: Record<string, unknown> = {}): MotionUNet => {
  T.manualSeed(0);
  return createModel('unet-motion', { width: 4, ...o }) as MotionUNet;
};
/** The first conv's weights that read the frame difference (input channels 3..5). */
const motionWeights = (m: MotionUNet): T.Tensor =>
  (m.unet.inc.double_conv.layers[0] as T.nn.Conv2d).weight.narrow(1, 3, 3);
/** A moving square over a textured background: 32x32 frames, `n` of them, one pixel a frame. */
const movingClip = (n: number): T.Tensor =>
  T.tidy(() => {
    T.manualSeed(1);
    const bg = T.rand([1, 3, 1, 32, 32]).mul(0.5);
    const frames = Array.from({ length: n }, (_, t) => {
      const f = bg.clone();
      T.F.fill_(f.narrow(3, 8, 8).narrow(4, 4 + t, 8), 0.9);
      return f;
    });
    return T.cat(frames, 2);
  });

test('unet-motion: stills, clips and videos keep their shape; a temporal f_A in the registry', () => {
  const m = motion().eval();
  assert.ok(isTemporal(m));
  assert.ok(!isTemporal(createModel('unet-small', { width: 4 })));
  T.noGrad(() => {
    assert.deepEqual(m.forward(T.rand([2, 3, 32, 32])).shape, [2, 3, 32, 32]);
    assert.deepEqual(m.forward(T.rand([2, 3, 4, 32, 32])).shape, [2, 3, 4, 32, 32]);
    assert.deepEqual(m.forwardVideo(T.rand([1, 3, 6, 32, 32])).shape, [1, 3, 6, 32, 32]);
    const y = anonymizeClip(m, T.rand([2, 3, 4, 32, 32]));
    assert.deepEqual(y.shape, [2, 3, 4, 32, 32]);
  });
  assert.throws(
    () => m.forward(T.rand([2, 3, 4, 30, 30])),
    /unet-motion: expects clips \(N, 3, T, H, W\) with H and W multiples of 16/,
  );
  assert.equal(m.origin?.options.gap, 1);
});

test('unet-motion starts as a frame-wise UNet (motion weights zero) and reads motion once they are not', () => {
  const m = motion().eval();
  const clip = movingClip(4);
  T.noGrad(() => {
    assert.equal(motionWeights(m).abs().sum().item(), 0);
    // At its start, a clip's frames come out as the same frames would as stills.
    const asClip = m.forward(clip);
    const asStills = m
      .forward(clip.permute(0, 2, 1, 3, 4).reshape(4, 3, 32, 32))
      .reshape(1, 4, 3, 32, 32)
      .permute(0, 2, 1, 3, 4);
    assert.ok(maxAbsDiff(asClip, asStills) < 1e-5);
    // Motion weights on: frame t's output now depends on frame t-1 (and frame 0 only on itself).
    T.F.fill_(motionWeights(m), 0.05);
    const y = m.forward(clip);
    const moved = clip.clone();
    T.F.fill_(moved.narrow(2, 1, 1), 0.2); // change frame 1 only
    const y2 = m.forward(moved);
    const at = (z: T.Tensor, t: number): T.Tensor => z.narrow(2, t, 1);
    assert.ok(maxAbsDiff(at(y, 0), at(y2, 0)) < 1e-6, 'frame 0 does not look ahead');
    assert.ok(maxAbsDiff(at(y, 2), at(y2, 2)) > 1e-4, 'frame 2 sees its difference to frame 1');
    assert.ok(maxAbsDiff(at(y, 3), at(y2, 3)) < 1e-6, 'frame 3 sees frame 2 only');
  });
});

test('unet-motion: a video at stride 1 with gap g gives what its clip at stride g gave in training', () => {
  const m = motion({ gap: 2 }).eval();
  T.noGrad(() => T.F.fill_(motionWeights(m), 0.05));
  const video = movingClip(7);
  T.noGrad(() => {
    const v = m.forwardVideo(video);
    // The training clip: every 2nd frame from frame 1 (1, 3, 5).
    const idx = T.tensor([1, 3, 5], [3], { dtype: 'int64' });
    const c = m.forward(T.indexSelect(video, 2, idx));
    // Frames 3 and 5 have their predecessor (1 and 3) in both; frame 1 has none in the clip.
    for (const [k, t] of [
      [1, 3],
      [2, 5],
    ] as const)
      assert.ok(
        maxAbsDiff(c.narrow(2, k, 1), v.narrow(2, t, 1)) < 1e-5,
        `clip frame ${k} = video frame ${t}`,
      );
  });
});

test('unet-motion: the gradient of a loss on clips reaches the motion weights (they leave zero)', () => {
  const m = motion().train();
  const clip = movingClip(4);
  const y = m.forward(clip);
  T.square(y.sub(clip)).mean().backward();
  const gm = (m.unet.inc.double_conv.layers[0] as T.nn.Conv2d).weight.grad?.narrow(1, 3, 3);
  assert.ok((gm?.abs().sum().item() ?? 0) > 0, 'the motion channels get gradient from moving input');
  // Stills carry no motion: no gradient reaches those weights.
  for (const p of m.parameters()) p.grad = null;
  m.forward(T.rand([2, 3, 32, 32]))
    .mean()
    .backward();
  const gs = (m.unet.inc.double_conv.layers[0] as T.nn.Conv2d).weight.grad?.narrow(1, 3, 3);
  assert.equal(gs?.abs().sum().item(), 0);
});
