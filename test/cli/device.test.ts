// --device on the command line. `--device cpu` and leaving the flag out are the same run, bit for
// bit: the same f_A, f_T, f_B and optimizer state after a toy pretrain + train. A CUDA device on
// this CPU-only libtorch, and a device that is no device, are usage errors (exit 2) that name the
// flag, on every command that takes it, before any work starts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { cudaAvailable, loadSafetensors, type Tensor } from '../../src/torch/index.js';
import { ROOT, tempDir } from '../helpers.js';

// One thread: at toy sizes a second one only contends with the other test files.
const veil = (...args: string[]) =>
  spawnSync('node', [join(ROOT, 'bin', 'veil.js'), ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, VEIL_THREADS: '1' },
  });

const TOY = ['--size', '16', '--frames', '4', '--video-frames', '8', '-q'];
let dir = '';
let data = '';

before(() => {
  dir = tempDir('veil-device-');
  data = join(dir, 'data');
  const r = veil('data', 'synth', '-o', data, '--clips', '24', '--size', '16', '--frames', '8', '-q');
  assert.equal(r.status, 0, r.stderr);
});

const bytes = (t: Tensor): Buffer => {
  const a = t.data();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
};

/** pretrain anonymizer + train one epoch in a fresh workspace, with `extra` flags on both. */
function pretrainAndTrain(ws: string, extra: string[]): void {
  const common = ['--data', data, '--workspace', ws, ...TOY, ...extra];
  const p = veil('pretrain', 'anonymizer', ...common);
  assert.equal(p.status, 0, p.stderr);
  const t = veil('train', ...common, '--epochs', '1', '--clips-per-batch', '4', '--images-per-batch', '4');
  assert.equal(t.status, 0, t.stderr);
}

test('--device cpu and the default give bit-identical networks and optimizer state', () => {
  const a = join(dir, 'default');
  const b = join(dir, 'explicit');
  pretrainAndTrain(a, []);
  pretrainAndTrain(b, ['--device', 'cpu']);
  for (const file of ['pretrained/fA.safetensors', 'runs/veil-B0.3/last.safetensors']) {
    const x = loadSafetensors(join(a, file)).tensors;
    const y = loadSafetensors(join(b, file)).tensors;
    assert.deepEqual(Object.keys(x).sort(), Object.keys(y).sort(), file);
    if (file.startsWith('runs/'))
      assert.ok(
        Object.keys(x).some((k) => k.startsWith('optim.optA.')),
        `${file} holds f_A's Adam state`,
      );
    for (const [k, t] of Object.entries(x)) {
      const u = y[k];
      assert.ok(u, `${file}: ${k}`);
      assert.equal(t.device, 'cpu', `${file}: ${k} is saved from the CPU`);
      assert.equal(t.dtype, u.dtype, `${file}: ${k}`);
      assert.ok(bytes(t).equals(bytes(u)), `${file}: ${k} differs`);
    }
  }
  // The selected f_A, as `veil anonymize` takes it, byte for byte.
  const fA = (ws: string): Buffer => readFileSync(join(ws, 'runs', 'veil-B0.3', 'fA.safetensors'));
  assert.ok(fA(a).equals(fA(b)));
});

// Each command that takes --device, with what else it needs to get as far as reading the flag.
const COMMANDS: string[][] = [
  ['pretrain', 'anonymizer', '--data', 'nowhere'],
  ['train', '--data', 'nowhere'],
  ['eval', '--data', 'nowhere', '--weights', 'nowhere.safetensors'],
  ['anonymize', 'nowhere.mp4', '-o', 'out.mkv', '--model', 'nowhere.safetensors'],
  ['demo', '--quick', '--workspace', 'nowhere'],
];

test(
  '--device cuda on a libtorch without CUDA: exit 2, saying so and where the build is described',
  {
    skip: cudaAvailable() ? 'this libtorch has CUDA' : false,
  },
  () => {
    for (const cmd of COMMANDS)
      for (const d of cmd[0] === 'train' ? ['cuda', 'cuda:1'] : ['cuda']) {
        const r = veil(...cmd, '--device', d);
        assert.equal(r.status, 2, `${cmd[0]} --device ${d}: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`--device ${d}: this build of libtorch has no CUDA`), cmd[0]);
        assert.match(r.stderr, /README, 'Devices and GPUs'/, cmd[0]);
      }
  },
);

test('a device that is none: exit 2 naming --device', () => {
  for (const cmd of COMMANDS)
    for (const d of cmd[0] === 'train' ? ['tpu', 'cuda:x', 'cuda:-1', 'CPU'] : ['tpu']) {
      const r = veil(...cmd, '--device', d);
      assert.equal(r.status, 2, `${cmd[0]} --device ${d}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`--device must be cpu, cuda or cuda:N, got '${d}'`), cmd[0]);
    }
});
