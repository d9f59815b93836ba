// The registry: every network by name, clear errors, kinds, FLOPs from layer shapes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  anonymizeClip,
  createModel,
  listModels,
  modelNames,
  resolveOptions,
} from '../../src/models/index.js';
import type { ResNet } from '../../src/models/resnet.js';
import { noGrad, permute, reshape, tidy, zeros } from '../../src/torch/index.js';
import { maxAbsDiff } from '../helpers.js';
import { testInput } from './fill.js';
import { reference } from './reference.js';

test('the zoo lists every network of the paper and of SPAct, with its role', () => {
  assert.deepEqual(modelNames(), [
    'unet',
    'unetpp-r18',
    'unet-small',
    'unet-motion',
    'r3d-18',
    'r2plus1d-18',
    'i3d-r50',
    'r3d-small',
    'resnet18',
    'resnet50',
    'resnet-small',
  ]);
  assert.deepEqual(
    listModels('action').map((s) => s.name),
    ['r3d-18', 'r2plus1d-18', 'i3d-r50', 'r3d-small'],
  );
  for (const s of listModels()) {
    const m = s.name.endsWith('small') ? createModel(s.name) : null;
    if (m) assert.equal(m.kind, s.kind);
    m?.dispose();
  }
});

test('unknown names and bad options are errors that list what exists', () => {
  assert.throws(
    () => createModel('resnet101'),
    /unknown model 'resnet101'; the zoo has: unet, unetpp-r18, .*resnet-small/,
  );
  assert.throws(
    () => createModel('r3d-18', { clases: 10 }),
    /no option 'clases'; its options: classes, layer4KeepsTime/,
  );
  assert.throws(
    () => createModel('r3d-18', { classes: 0 }),
    /option 'classes' must be an integer in 1\.\.inf, got 0/,
  );
  assert.throws(() => createModel('resnet18', { head: 'mlp' }), /one of projection, classifier, none/);
  assert.throws(() => createModel('unet', { convBias: 'yes' }), /must be true or false/);
  assert.throws(
    () => createModel('unetpp-r18', { encoderDepth: 5 }),
    /encoderDepth 5 needs 5 decoder channels/,
  );
  assert.deepEqual(resolveOptions('i3d-r50', { classes: 101 }), { classes: 101, dropout: 0.5 });
});

test('inputs of the wrong layout or size are refused with the expected one', () => {
  const fA = createModel('unet-small');
  assert.throws(
    () => fA.forward(zeros([1, 3, 30, 32])),
    /unet: expects images \(N, 3, H, W\) with H and W multiples of 16, got \[1, 3, 30, 32\]/,
  );
  const fT = createModel('r3d-small');
  assert.throws(() => fT.forward(zeros([1, 3, 32, 32])), /expects clips \(N, 3, T, H, W\)/);
  fA.dispose();
  fT.dispose();
});

test('f_A outputs are in (0, 1) and a clip is anonymized frame by frame in true RGB', () => {
  const fA = createModel('unet-small', { width: 4 }).eval();
  tidy(() => {
    const clip = testInput([2, 3, 4, 32, 32], 'clip');
    const out = noGrad(() => anonymizeClip(fA, clip));
    assert.deepEqual(out.shape, [2, 3, 4, 32, 32]);
    const frames = reshape(permute(clip, [0, 2, 1, 3, 4]), [8, 3, 32, 32]);
    const direct = noGrad(() => fA.forward(frames));
    const back = reshape(permute(out, [0, 2, 1, 3, 4]), [8, 3, 32, 32]);
    assert.equal(maxAbsDiff(direct, back), 0);
    const v = out.toArray();
    assert.ok(v.every((e) => e > 0 && e < 1));
  });
  fA.dispose();
});

test("FLOPs (multiply-accumulates) equal PyTorch's count at the paper sizes", () => {
  const cases: [string, Record<string, unknown>, number[], string][] = [
    ['resnet18', { head: 'classifier', classes: 1000 }, [1, 3, 224, 224], 'resnet18@224'], // torchvision: 1.81 G
    ['resnet50', { head: 'classifier', classes: 1000 }, [1, 3, 224, 224], 'resnet50@224'], // 4.09 G
    ['r3d-18', {}, [1, 3, 16, 112, 112], 'r3d_18@16x112'], // 40.70 G
    ['r2plus1d-18', {}, [1, 3, 16, 112, 112], 'r2plus1d_18@16x112'], // 40.52 G
    ['i3d-r50', {}, [1, 3, 16, 224, 224], 'i3d_r50@16x224'],
    ['unet', {}, [1, 3, 112, 112], 'unet@112'],
    ['unetpp-r18', {}, [1, 3, 224, 224], 'unetpp_r18@224'],
  ];
  for (const [name, options, shape, key] of cases) {
    const m = createModel(name, options).train();
    const before = m.stateDict()['bn1.running_mean']?.clone();
    assert.equal(m.flops(shape), reference.macs[key], key);
    assert.equal(m.training, true, 'the mode is restored');
    if (before) assert.equal(maxAbsDiff(before, m.stateDict()['bn1.running_mean']!), 0, 'nothing moved');
    m.dispose();
  }
  assert.equal(reference.macs['resnet50@224'], 4_089_184_256);
});

test('the small stem (CIFAR / SimCLR) keeps a 32-pixel image at full resolution into layer1', () => {
  const shapes = (smallStem: boolean): number[][] => {
    const m = createModel('resnet-small', { width: 4, head: 'classifier', classes: 7, smallStem }) as ResNet;
    const out = tidy(() => noGrad(() => m.stages(testInput([2, 3, 32, 32], 'stem')).map((t) => t.shape)));
    assert.deepEqual(m.stateDict()['conv1.weight']?.shape, smallStem ? [4, 3, 3, 3] : [4, 3, 7, 7]);
    m.dispose();
    return out;
  };
  const side = (s: number[][]): number[] => s.map((x) => x[2] as number);
  assert.deepEqual(side(shapes(false)), [32, 16, 8, 4, 2, 1]);
  assert.deepEqual(side(shapes(true)), [32, 32, 32, 16, 8, 4]);
  assert.throws(() => createModel('resnet-small', { smallStem: 1 }), /smallStem' must be true or false/);
});
