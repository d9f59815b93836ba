// PyTorch checkpoints load by name (torch.save zip and safetensors), strictly unless asked;
// veil's own safetensors load back exactly; ImageNet ResNet weights go into f_A's encoder and f_B.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { createModel, loadWeights, saveWeights, describeLoad, type Network } from '../../src/models/index.js';
import {
  loadSafetensors,
  noGrad,
  rand,
  saveSafetensors,
  saveTorch,
  tidy,
  type Tensor,
} from '../../src/torch/index.js';
import { assertClose, fixture, maxAbsDiff, tempDir } from '../helpers.js';
import { fill, testInput } from './fill.js';

const run = (m: Network, x: Tensor): Tensor => noGrad(() => m.forward(x));

for (const file of ['unet-small.pt', 'unet-small.safetensors']) {
  test(`a PyTorch state dict (${file}) loads strictly by name and gives PyTorch's output`, () => {
    const m = createModel('unet-small', { width: 8 });
    const r = loadWeights(m, fixture(`models/fixtures/${file}`));
    assert.deepEqual([r.missing, r.unexpected, r.skipped], [[], [], []]);
    assert.equal(r.loaded.length, Object.keys(m.stateDict()).length);
    m.eval();
    tidy(() => {
      const want = loadSafetensors(fixture('models/fixtures/unet-small.output.safetensors')).tensors
        .output as Tensor;
      assertClose(run(m, testInput([1, 3, 32, 32], 'input:unet-small')), want, 1e-4, file);
    });
    m.dispose();
  });
}

test('strict loading names the missing, unexpected or mis-shaped key; strict: false reports them', () => {
  const m = createModel('resnet-small', { head: 'classifier', classes: 3 });
  const sd = { ...m.stateDict() };
  delete sd['layer1.0.conv1.weight'];
  assert.throws(() => loadWeights(m, sd), /missing keys: layer1\.0\.conv1\.weight/);
  assert.throws(
    () => loadWeights(m, { ...m.stateDict(), 'extra.w': rand([1]) }),
    /unexpected keys: extra\.w/,
  );
  const wrong = createModel('resnet-small', { head: 'classifier', classes: 5 });
  assert.throws(
    () => loadWeights(m, wrong.stateDict()),
    /'fc\.weight' has shape \[5, 128\], the model expects \[3, 128\]/,
  );
  const r = loadWeights(m, { ...sd, 'extra.w': rand([1]) }, { strict: false });
  assert.deepEqual(r.missing, ['layer1.0.conv1.weight']);
  assert.deepEqual(r.unexpected, ['extra.w']);
  assert.match(describeLoad(r), /left as initialised: layer1\.0\.conv1\.weight; ignored: extra\.w/);
  m.dispose();
  wrong.dispose();
});

test('round trip: weights saved by veil load into the same architecture with identical outputs', () => {
  const dir = tempDir();
  for (const [name, shape] of [
    ['unetpp-r18', [1, 3, 32, 32]],
    ['r3d-small', [1, 3, 4, 32, 32]],
    ['resnet-small', [2, 3, 32, 32]],
  ] as const) {
    const a = createModel(name).eval();
    fill(a); // running statistics away from their defaults too
    const path = join(dir, `${name}.safetensors`);
    saveWeights(a, path, { model: name });
    const b = createModel(name).eval();
    loadWeights(b, path);
    tidy(() => {
      const x = testInput([...shape], 'roundtrip');
      assert.equal(maxAbsDiff(run(a, x), run(b, x)), 0, name);
    });
    assert.equal(loadSafetensors(path).metadata.model, name);
    a.dispose();
    b.dispose();
  }
});

test('a torch.save checkpoint with the DataParallel prefix and a wrapper entry loads', () => {
  const dir = tempDir();
  const a = createModel('resnet-small');
  fill(a);
  const path = join(dir, 'dp.pt');
  saveTorch(path, Object.fromEntries(Object.entries(a.stateDict()).map(([k, t]) => [`module.${k}`, t])));
  const b = createModel('resnet-small');
  const r = loadWeights(b, path, { prefix: 'module.' });
  assert.equal(r.loaded.length, Object.keys(a.stateDict()).length);
  assert.equal(
    maxAbsDiff(a.stateDict()['layer4.0.conv2.weight']!, b.stateDict()['layer4.0.conv2.weight']!),
    0,
  );
  a.dispose();
  b.dispose();
});

test('ImageNet ResNet-18 weights go into the UNet++ encoder (into: encoder, skip: fc.)', () => {
  const dir = tempDir();
  const imagenet = createModel('resnet18', { head: 'classifier', classes: 1000 });
  fill(imagenet);
  const path = join(dir, 'resnet18-imagenet.safetensors');
  saveSafetensors(path, imagenet.stateDict());
  const fA = createModel('unetpp-r18');
  const r = loadWeights(fA, path, { into: 'encoder', skip: ['fc.'] });
  assert.deepEqual(r.skipped, ['fc.bias', 'fc.weight']);
  assert.deepEqual([r.missing, r.unexpected], [[], []]);
  const enc = fA.stateDict();
  for (const [k, t] of Object.entries(imagenet.stateDict())) {
    if (!k.startsWith('fc.')) assert.equal(maxAbsDiff(enc[`encoder.${k}`]!, t), 0, k);
  }
  // Without layer4 in the encoder, its ImageNet weights are skipped too.
  const lean = createModel('unetpp-r18', { keepLayer4: false });
  assert.throws(
    () => loadWeights(lean, path, { into: 'encoder', skip: ['fc.'] }),
    /unexpected keys: .*layer4\.0\.conv1\.weight/,
  );
  assert.equal(loadWeights(lean, path, { into: 'encoder', skip: ['fc.', 'layer4.'] }).missing.length, 0);
  for (const m of [imagenet, fA, lean]) m.dispose();
});

test('ImageNet ResNet-50 weights go into f_B; the projection head is reported as left initialised', () => {
  const imagenet = createModel('resnet50', { head: 'classifier', classes: 1000 });
  const fB = createModel('resnet50');
  const r = loadWeights(fB, imagenet.stateDict(), { skip: ['fc.'], strict: false });
  assert.deepEqual(r.missing, ['fc.fc1.weight', 'fc.fc1.bias', 'fc.fc2.weight', 'fc.fc2.bias']);
  assert.deepEqual(r.unexpected, []);
  // Kinetics-style fine-tuning: a 400-class r3d-18 into a 101-class one.
  const kinetics = createModel('r3d-18');
  const ucf = createModel('r3d-18', { classes: 101 });
  assert.throws(() => loadWeights(ucf, kinetics.stateDict()), /'fc\.weight' has shape \[400, 512\]/);
  assert.deepEqual(loadWeights(ucf, kinetics.stateDict(), { skip: ['fc.'], strict: false }).missing, [
    'fc.weight',
    'fc.bias',
  ]);
  for (const m of [imagenet, fB, kinetics, ucf]) m.dispose();
});

test("TeD-SPAD's f_B checkpoint layout (Sequential(resnet50, mlp)) maps by prefix", () => {
  const fB = createModel('resnet-small', { dim: 16 });
  const tedspad = Object.fromEntries(
    Object.entries(fB.stateDict()).map(([k, t]) => [k.startsWith('fc.') ? `1.${k.slice(3)}` : `0.${k}`, t]),
  );
  const r = loadWeights(createModel('resnet-small', { dim: 16 }), tedspad, {
    rename: [
      ['0.', ''],
      ['1.', 'fc.'],
    ],
  });
  assert.equal(r.loaded.length, Object.keys(tedspad).length);
  fB.dispose();
});

// Needs PyTorch: skipped where /usr/bin/python3 has no torch (CI without Debian's python3-torch).
const python = '/usr/bin/python3';
const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch, torchvision']).status === 0;

test(
  'a checkpoint saved by veil loads strictly into the PyTorch reference, with the same output',
  {
    skip: hasTorch ? false : 'no PyTorch at /usr/bin/python3',
  },
  () => {
    const dir = tempDir();
    for (const [name, options] of [
      ['unet-small', { width: 8 }],
      ['unetpp-r18', {}],
    ] as const) {
      const m = createModel(name, options).eval();
      fill(m);
      const weights = join(dir, `${name}.safetensors`);
      saveWeights(m, weights);
      const out = join(dir, `${name}.torch.safetensors`);
      const script = fixture('models/fixtures/make_fixtures.py');
      const r = spawnSync(python, [script, '--check', name, weights, 'torch-check', '1,3,32,32', out], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
      tidy(() => {
        const want = loadSafetensors(out).tensors.output as Tensor;
        assertClose(run(m, testInput([1, 3, 32, 32], 'torch-check')), want, 1e-4, name);
      });
      m.dispose();
    }
  },
);
