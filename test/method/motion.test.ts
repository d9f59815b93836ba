// The motion-aware f_A in the method: trained by the minimax on clips (its motion weights learn),
// applied to whole videos by the protocol (chunked with the past carried), refused where frames
// come loose (veil anonymize, ONNX export), and its gap tied to the clip stride.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { firstVideos } from '../../src/data/loader/index.js';
import { openAnonymizer } from '../../src/deploy/runtime.js';
import { exportOnnx } from '../../src/deploy/onnx/export.js';
import { anonymizeVideoFrames, anonymizeVideoSet, learned } from '../../src/method/anonymize.js';
import { validateConfig } from '../../src/method/config.js';
import { trainMinimax } from '../../src/method/minimax.js';
import { createNetworks } from '../../src/method/pretrain.js';
import { type MotionUNet, saveCheckpoint } from '../../src/models/index.js';
import * as T from '../../src/torch/index.js';
import { tempDir } from '../helpers.js';
import { tinyConfig, tinyData, videoSet } from './fixtures.js';

const motionConfig = () => tinyConfig({ fA: { name: 'unet-motion', options: { width: 4 } }, epochs: 1 });
const motionWeights = (m: MotionUNet): number =>
  (m.unet.inc.double_conv.layers[0] as T.nn.Conv2d).weight.narrow(1, 3, 3).abs().sum().item();

test('the minimax trains a motion-aware f_A on clips: its motion weights leave zero', async () => {
  const c = motionConfig();
  const n = createNetworks(c, 10);
  assert.equal(motionWeights(n.fA as MotionUNet), 0);
  const r = await trainMinimax(n, tinyData(), c, { dir: tempDir(), resume: false });
  assert.ok(Number.isFinite(r.history[0]?.LA));
  assert.ok(motionWeights(n.fA as MotionUNet) > 0, 'the gradient of L_A reached the motion weights');
});

test('a motion-aware f_A anonymizes each video whole; chunks carry their past, so chunking changes nothing', async () => {
  T.manualSeed(0);
  const c = tinyConfig({
    fA: { name: 'unet-motion', options: { width: 4, gap: 2 } },
    clip: { frames: 4, stride: 2, size: 16 },
  });
  const fA = createNetworks(c, 10).fA as MotionUNet;
  T.noGrad(() => T.F.fill_((fA.unet.inc.double_conv.layers[0] as T.nn.Conv2d).weight.narrow(1, 3, 3), 1));
  const a = learned('motion', fA);
  assert.ok(a.video, 'the anonymizer takes videos');
  assert.equal(a.video.context, 2);
  const set = videoSet(2, 0, 9);
  const whole = await firstVideos(await anonymizeVideoSet(a, set), 1);
  const [v] = await firstVideos(set, 1);
  const chunked = anonymizeVideoFrames(a.video, v ?? [], set.width, set.height, 3);
  assert.equal(chunked.length, 9);
  assert.deepEqual(chunked, whole[0], 'chunks of 3 frames give what one pass gives');
  // Not what loose frames would give: the motion input is used.
  const loose = await firstVideos(await anonymizeVideoSet({ ...a, video: undefined }, set), 1);
  assert.notDeepEqual(loose[0], whole[0]);
});

test('a motion-aware f_A is refused where frames come loose: veil anonymize and the ONNX export', async () => {
  const c = motionConfig();
  const { fA } = createNetworks(c, 10);
  const file = join(tempDir(), 'fA.safetensors');
  saveCheckpoint(file, fA, { input: { height: 16, width: 16 } });
  await assert.rejects(openAnonymizer(file, 'libtorch'), (e: Error & { exitCode?: number }) => {
    assert.match(
      e.message,
      /fA\.safetensors: f_A 'unet-motion' is motion-aware .* veil anonymize .* does not support it/,
    );
    assert.equal(e.exitCode, 2);
    return true;
  });
  await assert.rejects(openAnonymizer(file, 'onnx'), /motion-aware/);
  assert.throws(() => exportOnnx(fA), /onnx export: f_A 'unet-motion' is motion-aware .* not exported/);
});

test("a motion-aware f_A's gap must be the clip stride", () => {
  const c = motionConfig();
  assert.equal(validateConfig(c).fA.name, 'unet-motion');
  assert.throws(
    () => validateConfig({ ...c, clip: { ...c.clip, stride: 2 } }),
    /'fA\.options\.gap' must be the clip stride \(2\).*--f-a 'unet-motion:\{"gap":2\}'/,
  );
  assert.equal(
    validateConfig({ ...c, fA: { name: 'unet-motion', options: { gap: 2 } }, clip: { ...c.clip, stride: 2 } })
      .clip.stride,
    2,
  );
});
