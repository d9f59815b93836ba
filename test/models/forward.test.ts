// Forward outputs equal PyTorch's for the same weights and input. The weights are the closed-form
// fill of fill.ts (no big files committed); the fixture script ran the PyTorch references on them.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createModel, modelSpec, type Network } from '../../src/models/index.js';
import { isContiguous, noGrad, tidy } from '../../src/torch/index.js';
import { assertClose } from '../helpers.js';
import { fill, testInput } from './fill.js';
import { reference, refTensor } from './reference.js';

const CASES: [string, string, Record<string, unknown>][] = [
  ['resnet18', 'resnet18', { head: 'classifier', classes: 1000 }],
  ['resnet50-ssl', 'resnet50', {}],
  ['r3d-18', 'r3d-18', {}],
  ['r3d-18-spact', 'r3d-18', { layer4KeepsTime: true }],
  ['r2plus1d-18', 'r2plus1d-18', {}],
  ['i3d-r50', 'i3d-r50', {}],
  ['unet', 'unet', {}],
  ['unetpp-r18', 'unetpp-r18', {}],
];

function filled(name: string, options: Record<string, unknown>): Network {
  const m = createModel(name, options);
  fill(m);
  return m;
}

for (const [fixtureName, model, options] of CASES) {
  test(`${fixtureName}: eval-mode output equals PyTorch's (max abs diff < 1e-4)`, () => {
    const m = filled(model, options).eval();
    const shape = reference.cases[fixtureName]?.input as number[];
    tidy(() => {
      const y = noGrad(() => m.forward(testInput(shape, `input:${fixtureName}`)));
      assertClose(y, refTensor(`${fixtureName}.output`), 1e-4, fixtureName);
    });
    m.dispose();
  });
}

test("resnet18 in train mode: batch statistics and moved running statistics equal PyTorch's", () => {
  // In PyTorch's default layout, as the reference ran: with 2 images of 32x32, layer4's batch
  // norm normalises 2 values per channel, where the last-bit differences of channels-last
  // kernels grow to 1e-2 (PyTorch's own channels-last run differs from its default by 0.0076).
  const m = filled('resnet18', { head: 'classifier', classes: 1000 })
    .to({ memoryFormat: 'contiguous_format' })
    .train();
  tidy(() => {
    const y = noGrad(() => m.forward(testInput([2, 3, 32, 32], 'input:resnet18-train')));
    assertClose(y, refTensor('resnet18-train.output'), 1e-4, 'train-mode output');
  });
  const sd = m.stateDict();
  assertClose(sd['bn1.running_mean']!, refTensor('resnet18-train.bn1.running_mean'), 1e-6, 'running_mean');
  assertClose(sd['bn1.running_var']!, refTensor('resnet18-train.bn1.running_var'), 1e-5, 'running_var');
  assert.equal(sd['bn1.num_batches_tracked']!.item(), 1);
  m.dispose();
});

test('networks are built in their registry layout and give the same outputs channels-last', () => {
  for (const [name, options, shape] of [
    ['unet-small', {}, [2, 3, 32, 32]],
    ['resnet-small', { head: 'classifier', classes: 5 }, [2, 3, 32, 32]],
    ['r3d-small', {}, [1, 3, 4, 32, 32]],
  ] as const) {
    const m = filled(name, options).eval();
    const weights = Object.values(m.stateDict()).filter((t) => t.ndim >= 4);
    const format = modelSpec(name).memoryFormat;
    assert.ok(weights.length > 0 && weights.every((w) => isContiguous(w, format)), `${name}: ${format}`);
    const other = shape.length === 4 ? 'channels_last' : 'channels_last_3d';
    tidy(() => {
      const x = testInput([...shape], `input:${name}-format`);
      const y = noGrad(() => m.forward(x));
      const d = m.to({ memoryFormat: other });
      assert.ok(
        weights.every((w) => isContiguous(w, other)),
        `${name}: in ${other}`,
      );
      assertClose(
        noGrad(() => d.forward(x)),
        y,
        1e-4,
        `${name}: same output in either layout`,
      );
    });
    m.dispose();
  }
});
