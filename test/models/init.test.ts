// Starting weights as users download them (--action-init, --privacy-init): torchvision's r3d_18,
// r2plus1d_18 (Kinetics-400), resnet18/50 (ImageNet) and the paper's I3D-R50 load into f_T, f_B
// and the judges by name, the head fc left out, everything else strict and every mismatch named.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { createModel, loadBackbone, type Network } from '../../src/models/index.js';
import { randn, saveTorch, tensor, type Tensor } from '../../src/torch/index.js';
import { fixture, maxAbsDiff, ROOT, tempDir } from '../helpers.js';

const dir = tempDir('veil-init-');
after(() => rmSync(dir, { recursive: true, force: true }));

/** torchvision's names and shapes (scripts/fixtures/pytorch_checkpoints.py keys). */
const KEYS = JSON.parse(readFileSync(fixture('models/fixtures/torchvision-keys.json'), 'utf8')) as Record<
  string,
  [string, number[]][]
>;

/** Where each file goes: f_T and the action judge (video), f_B and the attacker (image). */
const TARGETS: [string, string, Record<string, unknown>][] = [
  ['r3d_18', 'r3d-18', { classes: 101 }],
  ['r2plus1d_18', 'r2plus1d-18', { classes: 101 }],
  ['resnet18', 'resnet18', { head: 'projection' }],
  ['resnet50', 'resnet50', { head: 'classifier', classes: 7 }],
];

/** Random values under torchvision's names and shapes (the batch-norm counters as int64). */
const randomState = (name: string): Record<string, Tensor> =>
  Object.fromEntries(
    KEYS[name]!.map(([k, shape]) => [
      k,
      k.endsWith('num_batches_tracked') ? tensor(new BigInt64Array([1234n]), []) : randn(shape),
    ]),
  );

function assertLoaded(net: Network, source: Record<string, Tensor>, what: string): void {
  const sd = net.stateDict();
  for (const [k, t] of Object.entries(source))
    if (!k.startsWith('fc.')) assert.equal(maxAbsDiff(sd[k] as Tensor, t), 0, `${what}: ${k}`);
}

test("torchvision's state dicts load into the zoo by name, fc left out (names from torchvision-keys.json)", () => {
  for (const [name, zoo, options] of TARGETS) {
    // torchvision's names and shapes, values and file written here (torch.save's zip format).
    const sd = randomState(name);
    const file = join(dir, `${name}-names.pth`);
    saveTorch(file, sd);
    const net = createModel(zoo, options);
    const r = loadBackbone(net, file);
    assert.deepEqual([r.skipped, r.unexpected], [['fc.weight', 'fc.bias'], []], name);
    assert.ok(
      r.missing.every((k) => k.startsWith('fc.')),
      name,
    );
    assertLoaded(net, sd, name);
    net.dispose();
    for (const t of Object.values(sd)) t.dispose();
  }
});

test('a file of another network is refused, naming every missing, unexpected and mis-shaped key', () => {
  const sd = randomState('resnet18');
  delete sd['layer1.0.conv1.weight'];
  sd['layer5.0.conv1.weight'] = randn([1]);
  sd['conv1.weight'] = randn([64, 3, 3, 3]);
  const file = join(dir, 'resnet18-broken.pth');
  saveTorch(file, sd);
  const net = createModel('resnet18', { head: 'classifier', classes: 7 });
  assert.throws(
    () => loadBackbone(net, file),
    (e: Error) =>
      e.message ===
      `${file}: not a backbone of this network (missing: layer1.0.conv1.weight; unexpected: layer5.0.conv1.weight; ` +
        'wrong shape: conv1.weight (file [64, 3, 3, 3], network [64, 3, 7, 7]))',
  );
  // ResNet-50's file into ResNet-18: all 200-odd names, not the first few.
  const r50 = randomState('resnet50');
  const file50 = join(dir, 'resnet50.pth');
  saveTorch(file50, r50);
  assert.throws(
    () => loadBackbone(net, file50),
    (e: Error) =>
      /unexpected: .*layer4\.2\.bn3\.running_var/.test(e.message) &&
      /wrong shape: .*layer4\.1\.conv1\.weight/.test(e.message),
  );
  net.dispose();
});

// Needs PyTorch: skipped where /usr/bin/python3 has no torch (CI without Debian's python3-torch).
const python = '/usr/bin/python3';
const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch, torchvision']).status === 0;

test(
  "files written by PyTorch (torchvision's models, the paper's I3D-R50; legacy and zip formats) load exactly",
  { skip: hasTorch ? false : 'no PyTorch at /usr/bin/python3', timeout: 300_000 },
  () => {
    const out = join(dir, 'pytorch');
    const script = join(ROOT, 'scripts', 'fixtures', 'pytorch_checkpoints.py');
    const r = spawnSync(python, [script, 'full', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const sums = JSON.parse(readFileSync(join(out, 'sums.json'), 'utf8')) as Record<
      string,
      Record<string, [number, number]>
    >;
    for (const [name, zoo, options] of [...TARGETS, ['i3d_r50', 'i3d-r50', { classes: 101 }] as const]) {
      const net = createModel(zoo, options);
      loadBackbone(net, join(out, `${name}.pth`));
      const sd = net.stateDict();
      for (const [k, [sum, weighted]] of Object.entries(sums[name]!)) {
        if (k.startsWith('fc.')) continue;
        const x = (sd[k] as Tensor).to('float64').data() as Float64Array;
        let [got, gotWeighted] = [0, 0];
        x.forEach((v, i) => {
          got += v;
          gotWeighted += v * ((i % 7) + 1);
        });
        const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6 * (1 + Math.abs(b));
        assert.ok(close(got, sum) && close(gotWeighted, weighted), `${name} ${k}: ${got} vs ${sum}`);
      }
      net.dispose();
    }
  },
);
