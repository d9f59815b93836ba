// Parameter counts and names equal the PyTorch references.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createModel } from '../../src/models/index.js';
import { reference } from './reference.js';

function count(name: string, options: Record<string, unknown> = {}): { n: number; keys: string[] } {
  const m = createModel(name, options);
  const n = m.numParameters();
  const keys = Object.keys(m.stateDict());
  m.dispose();
  return { n, keys };
}

test('torchvision counts: resnet18, resnet50 (1000 classes), r3d_18, r2plus1d_18 (400 classes)', () => {
  assert.equal(count('resnet18', { head: 'classifier', classes: 1000 }).n, 11_689_512);
  assert.equal(count('resnet50', { head: 'classifier', classes: 1000 }).n, 25_557_032);
  assert.equal(count('r3d-18').n, 33_371_472);
  assert.equal(count('r3d-18', { layer4KeepsTime: true }).n, 33_371_472, "SPAct's variant changes no shape");
  assert.equal(count('r2plus1d-18').n, 31_505_325);
});

test('i3d-r50 with 400 classes has 28,043,472 parameters', () => {
  // ResNet-50 without fc 23,508,032 + conv1 5x7x7 37,632 + the two extra temporal taps of the
  // nine inflated 3x1x1 convolutions 3,678,208 + fc 2048x400 819,600; the fixture script
  // counted the same on its PyTorch I3Res50 (pytorch-resnet3d, as TeD-SPAD vendors it).
  assert.equal(23_508_032 + 37_632 + 3_678_208 + 819_600, 28_043_472);
  assert.equal(count('i3d-r50').n, 28_043_472);
  assert.equal(reference.params.i3d_r50_400, 28_043_472);
});

test('unetpp-r18 has 13,898,787 parameters (5,505,059 without the unused layer4)', () => {
  // Counted by the fixture script on its copy of segmentation_models_pytorch 0.3.3's
  // UnetPlusPlus('resnet18', encoder_depth=4, decoder_channels=(256,128,64,32), classes=3):
  // smp 0.3 keeps the encoder's layer4 (8,393,728 parameters) although depth 4 never runs it.
  assert.equal(count('unetpp-r18').n, 13_898_787);
  assert.equal(reference.params.unetpp_r18, 13_898_787);
  assert.equal(count('unetpp-r18', { keepLayer4: false }).n, 5_505_059);
  assert.equal(count('unet').n, reference.params.unet);
  assert.equal(
    count('resnet50').n,
    reference.params.resnet50_ssl,
    'resnet50 with its 2048-2048-128 projection',
  );
});

test('state dict names are the reference names', () => {
  const has = (name: string, keys: string[], options: Record<string, unknown> = {}): void => {
    const got = count(name, options).keys;
    for (const k of keys) assert.ok(got.includes(k), `${name} lacks '${k}'`);
  };
  has('resnet18', [
    'conv1.weight',
    'bn1.running_mean',
    'layer2.0.downsample.0.weight',
    'layer4.1.bn2.weight',
    'fc.fc1.weight',
    'fc.fc2.bias',
  ]);
  has('resnet50', ['layer1.0.conv3.weight', 'layer3.5.bn3.num_batches_tracked', 'fc.weight'], {
    head: 'classifier',
  });
  has('r3d-18', [
    'stem.0.weight',
    'stem.1.running_var',
    'layer1.0.conv1.0.weight',
    'layer2.0.downsample.1.weight',
    'fc.bias',
  ]);
  has('r2plus1d-18', [
    'stem.3.weight',
    'stem.4.weight',
    'layer1.0.conv1.0.0.weight',
    'layer1.0.conv1.0.1.weight',
    'layer1.0.conv1.0.3.weight',
  ]);
  has('i3d-r50', ['conv1.weight', 'layer1.0.downsample.0.weight', 'layer4.2.bn3.bias', 'fc.weight']);
  has('unet', [
    'inc.double_conv.0.weight',
    'down1.maxpool_conv.1.double_conv.3.weight',
    'up4.conv.double_conv.4.running_mean',
    'outc.conv.bias',
  ]);
  has('unetpp-r18', [
    'encoder.conv1.weight',
    'encoder.layer4.1.conv2.weight',
    'decoder.blocks.x_0_0.conv1.0.weight',
    'decoder.blocks.x_1_2.conv1.0.weight',
    'decoder.blocks.x_2_2.conv2.1.running_var',
    'decoder.blocks.x_0_3.conv2.0.weight',
    'segmentation_head.0.weight',
  ]);
  const blocks = new Set(
    count('unetpp-r18')
      .keys.filter((k) => k.startsWith('decoder.'))
      .map((k) => k.split('.')[2]),
  );
  assert.deepEqual([...blocks].sort(), ['x_0_0', 'x_0_1', 'x_0_2', 'x_0_3', 'x_1_1', 'x_1_2', 'x_2_2']);
  const r = count('resnet18', { head: 'none' }).keys;
  assert.ok(!r.some((k) => k.startsWith('fc.')), 'no head, no fc');
});
