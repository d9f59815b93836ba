// ONNX export: onnxruntime-node runs every anonymizer of the zoo (and the variants its options
// make) to within 1e-4 of veil's libtorch forward on the same frames; `veil export` writes a
// file that carries what `veil anonymize --runtime onnx` needs.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { anonymize, anonymizeConfig } from '../../src/deploy/anonymize.js';
import { exportCheckpoint } from '../../src/deploy/onnx/checkpoint_export.js';
import { exportOnnx } from '../../src/deploy/onnx/export.js';
import { readOnnxMetadata } from '../../src/deploy/onnx/metadata.js';
import { OnnxRuntime, TorchRuntime } from '../../src/deploy/runtime.js';
import { createModel, listModels } from '../../src/models/index.js';
import { fill, testInput } from '../models/fill.js';
import { maxAbsDiff } from '../helpers.js';
import { tempDir } from '../data/helpers.js';
import { makeCheckpoint, makeVideo, probe, VIDEOS } from './fixtures.js';
import { readFileSync } from 'node:fs';

let dir = '';
before(async () => {
  dir = await tempDir('deploy-onnx');
});

const CASES: [string, Record<string, unknown>][] = [
  // The motion-aware f_A takes whole videos, not loose frames: the exporter refuses it
  // (test/method/motion.test.ts).
  ...listModels('anonymizer')
    .filter((s) => s.name !== 'unet-motion')
    .map((s): [string, Record<string, unknown>] => [s.name, {}]),
  ['unet-small', { convBias: true, width: 8 }],
  ['unetpp-r18', { sigmoid: false, keepLayer4: false }],
  ['unetpp-r18', { encoderDepth: 3, decoderChannels: [64, 32, 16] }],
  ['unetpp-r18', { encoderDepth: 5, decoderChannels: [64, 48, 32, 16, 8] }],
];

for (const [name, options] of CASES) {
  test(`onnxruntime-node matches libtorch: ${name} ${JSON.stringify(options)}`, async () => {
    const net = createModel(name, options);
    fill(net); // batch-norm statistics and biases far from their initial values
    net.eval();
    const { bytes, stride } = exportOnnx(net);
    const ort = await OnnxRuntime.create(bytes, stride);
    const torch = new TorchRuntime(net);
    const size = 2 * Math.max(stride, 32);
    const x = testInput([1, 3, size, size + stride], `${name}-input`);
    const [a, b] = [await torch.forward(x), await ort.forward(x)];
    const d = maxAbsDiff(a, b);
    assert.ok(d < 1e-4, `max abs difference ${d}`);
    for (const t of [x, a, b]) t.dispose();
    await ort.dispose();
    await torch.dispose();
  });
}

test('an exporter refuses networks it has no rule for', () => {
  const net = createModel('resnet-small');
  assert.throws(() => exportOnnx(net), /no exporter for ResNet/);
  net.dispose();
});

test('veil export writes the model with its name, training size and stride; --runtime onnx runs it', async () => {
  const ckpt = makeCheckpoint(dir, 'unet-small', { width: 8 }, { height: 32, width: 48 });
  const file = join(dir, 'model.onnx');
  const r = exportCheckpoint(ckpt, file);
  assert.equal(r.stride, 16);
  const meta = readOnnxMetadata(readFileSync(file), file);
  assert.equal(meta['veil.model'], 'unet-small');
  assert.equal(meta['veil.input'], '32x48');
  assert.equal(meta['veil.stride'], '16');

  const video = await makeVideo(dir, VIDEOS[0] as (typeof VIDEOS)[number]);
  const base = anonymizeConfig(video, '', ckpt, { runtime: 'onnx', batch: 4 });
  const viaFile = await anonymize({ ...base, output: join(dir, 'a.mp4'), model: file }, null);
  const viaCkpt = await anonymize({ ...base, output: join(dir, 'b.mp4') }, null);
  const viaTorch = await anonymize(
    { ...base, output: join(dir, 'c.mp4'), model: ckpt, runtime: 'libtorch' },
    null,
  );
  for (const s of [viaFile, viaCkpt, viaTorch]) assert.equal(s.failed, 0, JSON.stringify(s.files));
  assert.equal(viaFile.size, '32x48');
  const frames = (await probe(video)).video.frames;
  assert.equal((await probe(join(dir, 'a.mp4'))).video.frames, frames);
  const rms = (s: typeof viaFile): number[] => s.files[0]?.rms?.perFrame ?? [];
  rms(viaTorch).forEach((v, i) => {
    assert.ok(Math.abs(v - (rms(viaFile)[i] as number)) < 1e-4, `frame ${i}: RMS ${v} (libtorch) vs ONNX`);
    assert.ok(Math.abs(v - (rms(viaCkpt)[i] as number)) < 1e-4);
  });
});
