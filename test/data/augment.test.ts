import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  augmentFrames,
  type AugmentParams,
  centreCrop,
  CLIP_AUGMENT,
  sampleAugment,
  VIEW_AUGMENT,
} from '../../src/data/augment.js';
import { Rng } from '../../src/data/rng.js';
import { pattern } from './helpers.js';

const W = 10;
const H = 8;
const plain = (w = W, h = H): AugmentParams => ({
  crop: { x: 0, y: 0, w, h },
  flip: false,
  colour: null,
  gray: false,
  erase: null,
});
const at = (out: Float32Array, T: number, c: number, t: number, y: number, x: number, w = W, h = H): number =>
  out[((c * T + t) * h + y) * w + x]!;

test('identity, flip and centre crop are exact resamplings into (3, T, H, W) in [0, 1]', () => {
  const frames = [pattern(W, H, 0), pattern(W, H, 1)];
  const out = augmentFrames(frames, W, H, plain(), W, H);
  assert.equal(out.length, 3 * 2 * H * W);
  for (let t = 0; t < 2; t++) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        for (let c = 0; c < 3; c++) {
          const want = frames[t]![(y * W + x) * 3 + c]! / 255;
          assert.ok(Math.abs(at(out, 2, c, t, y, x) - want) < 1e-6);
        }
      }
    }
  }
  const flipped = augmentFrames(frames, W, H, { ...plain(), flip: true }, W, H);
  assert.ok(Math.abs(at(flipped, 2, 1, 1, 3, 0) - at(out, 2, 1, 1, 3, W - 1)) < 1e-6);
  const big = pattern(20, 20, 0);
  const cc = augmentFrames([big], 20, 20, centreCrop(20, 20, 0.8), 16, 16);
  assert.ok(
    Math.abs(cc[(5 * 16 + 7) * 1]! - big[((5 + 2) * 20 + 7 + 2) * 3]! / 255) < 1e-6,
    'pixel (7,5) of the crop is (9,7)',
  );
});

test('colour maps: brightness scales, hue turns red to green, grayscale equalises channels', () => {
  const red = new Uint8Array(W * H * 3);
  for (let i = 0; i < red.length; i += 3) red[i] = 200;
  const bright = augmentFrames(
    [red],
    W,
    H,
    { ...plain(), colour: { brightness: 1.2, contrast: 1, saturation: 1, hue: 0 } },
    W,
    H,
  );
  assert.ok(Math.abs(bright[0]! - 240 / 255) < 1e-5);
  const turned = augmentFrames(
    [red],
    W,
    H,
    { ...plain(), colour: { brightness: 1, contrast: 1, saturation: 1, hue: 1 / 3 } },
    W,
    H,
  );
  assert.ok(
    turned[0]! < 1e-5 && Math.abs(turned[H * W]! - 200 / 255) < 1e-5,
    'a third of a turn maps R to G',
  );
  const gray = augmentFrames([pattern(W, H, 3)], W, H, { ...plain(), gray: true }, W, H);
  for (let i = 0; i < H * W; i++) {
    assert.ok(
      Math.abs(gray[i]! - gray[H * W + i]!) < 1e-6 && Math.abs(gray[i]! - gray[2 * H * W + i]!) < 1e-6,
    );
  }
  const flat = augmentFrames(
    [red],
    W,
    H,
    { ...plain(), colour: { brightness: 1, contrast: 0, saturation: 1, hue: 0 } },
    W,
    H,
  );
  assert.ok(Math.abs(flat[0]! - flat[H * W]!) < 1e-6, 'zero contrast leaves the mean grey everywhere');
});

test('one draw per clip: every frame gets the same crop, flip, colours and erased rectangle', () => {
  const f = pattern(32, 24, 5);
  const rng = new Rng(4);
  for (let k = 0; k < 20; k++) {
    const p = sampleAugment(rng, 32, 24, 16, 16, { ...CLIP_AUGMENT, erasing: 1 });
    assert.ok(p.erase);
    const out = augmentFrames([f, f, f], 32, 24, p, 16, 16);
    for (let c = 0; c < 3; c++) {
      const plane = (t: number): Float32Array => out.subarray((c * 3 + t) * 256, (c * 3 + t + 1) * 256);
      assert.deepEqual(plane(1), plane(0));
      assert.deepEqual(plane(2), plane(0));
      assert.equal(plane(0)[p.erase.y * 16 + p.erase.x], 0);
    }
  }
});

test('draws stay in range and follow their probabilities', () => {
  const rng = new Rng(8);
  let flips = 0;
  let grays = 0;
  let erased = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const p = sampleAugment(rng, 40, 30, 16, 16, CLIP_AUGMENT);
    const { x, y, w, h } = p.crop;
    assert.ok(
      w >= 24 &&
        w <= 40 &&
        h >= 18 &&
        h <= 30 &&
        x >= 0 &&
        y >= 0 &&
        x + w <= 40 + 1e-9 &&
        y + h <= 30 + 1e-9,
    );
    const c = p.colour!;
    assert.ok(Math.abs(c.brightness - 1) <= 0.2 && Math.abs(c.hue) <= 0.05);
    if (p.erase) {
      erased++;
      assert.ok(p.erase.x + p.erase.w <= 16 && p.erase.y + p.erase.h <= 16);
    }
    flips += +p.flip;
    grays += +p.gray;
  }
  assert.ok(
    Math.abs(flips / n - 0.5) < 0.05 && Math.abs(grays / n - 0.1) < 0.03 && Math.abs(erased / n - 0.5) < 0.05,
  );
  const view = sampleAugment(new Rng(1), 40, 30, 16, 16, VIEW_AUGMENT);
  assert.equal(view.gray, false);
  assert.equal(view.erase, null);
});
