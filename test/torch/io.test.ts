// Checkpoints: safetensors both ways against the reference layout, torch.save files from PyTorch.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import * as T from '../../src/torch/index.js';
import { nn, F } from '../../src/torch/index.js';
import { assertClose, fixture, tempDir } from '../helpers.js';

test('safetensors written by veil follow the reference layout byte for byte', () => {
  const dir = tempDir();
  const path = join(dir, 'a.safetensors');
  T.tidy(() => {
    T.saveSafetensors(
      path,
      {
        'b.weight': T.tensor([1.5, -2], [2]),
        'a.idx': T.tensor(new BigInt64Array([7n, -1n, 3n])),
        'c.half': T.tensor([0.5, 2], [1, 2], { dtype: 'float16' }),
      },
      { format: 'pt' },
    );
  });
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  assert.equal((8 + n) % 8, 0, 'data starts 8-byte aligned');
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<
    string,
    { dtype: string; shape: number[]; data_offsets: number[] }
  >;
  assert.deepEqual(header.__metadata__, { format: 'pt' });
  // Tensors are laid out in sorted name order, back to back.
  assert.deepEqual(header['a.idx'], { dtype: 'I64', shape: [3], data_offsets: [0, 24] });
  assert.deepEqual(header['b.weight'], { dtype: 'F32', shape: [2], data_offsets: [24, 32] });
  assert.deepEqual(header['c.half'], { dtype: 'F16', shape: [1, 2], data_offsets: [32, 36] });
  const data = buf.subarray(8 + n);
  assert.equal(data.readBigInt64LE(8), -1n);
  assert.equal(data.readFloatLE(24), 1.5);
  assert.equal(data.readUInt16LE(32), 0x3800, 'float16 0.5, little-endian');
  assert.deepEqual(readdirSync(dir), ['a.safetensors'], 'no temporary file is left behind');
});

test('safetensors written by the reference layout (Python) load in veil', () => {
  const { tensors, metadata } = T.loadSafetensors(fixture('torch/fixtures/seqnet_io.safetensors'));
  assert.deepEqual(Object.keys(tensors).sort(), ['x', 'y']);
  assert.deepEqual(tensors.x?.shape, [2, 3, 8, 8]);
  assert.deepEqual(metadata, {});
  const ops = T.loadSafetensors(fixture('torch/fixtures/ops.safetensors'));
  assert.match(ops.metadata.made_by ?? '', /^torch 1\.13/);
  assert.equal(ops.tensors['ce.target']?.dtype, 'int64');
  T.dispose([tensors, ops.tensors]);
});

test('a safetensors round trip keeps every dtype and value', () => {
  const path = join(tempDir(), 'r.safetensors');
  T.tidy(() => {
    const src: Record<string, T.Tensor> = {
      f32: T.randn([3, 4]),
      f64: T.randn([2], { dtype: 'float64' }),
      bf16: T.randn([5], { dtype: 'bfloat16' }),
      u8: T.tensor(new Uint8Array([0, 255, 9])),
      b: T.tensor([1, 0, 1], [3], { dtype: 'bool' }),
      i32: T.tensor(new Int32Array([-5, 6])),
      empty: T.zeros([0, 3]),
      scalar: T.scalar(3.25),
    };
    T.saveSafetensors(path, src);
    const back = T.loadSafetensors(path).tensors;
    for (const [k, t] of Object.entries(src)) {
      const u = back[k] as T.Tensor;
      assert.equal(u.dtype, t.dtype, k);
      assert.deepEqual(u.shape, t.shape, k);
      assert.deepEqual(u.toArray(), t.toArray(), k);
    }
  });
});

test('torch.save state dicts from PyTorch load by name and reproduce its outputs', () => {
  T.tidy(() => {
    const net = new nn.Sequential(
      new nn.Conv2d(3, 4, 3),
      new nn.BatchNorm2d(4),
      new nn.ReLU(),
      new nn.Flatten(),
      new nn.Linear(144, 5),
    );
    net.loadStateDict(T.loadStateDictFile(fixture('torch/fixtures/seqnet.pt')));
    net.eval();
    const io = T.loadSafetensors(fixture('torch/fixtures/seqnet_io.safetensors')).tensors;
    assertClose(net.forward(io.x as T.Tensor), io.y as T.Tensor, 1e-5);
    // A checkpoint wrapping the state dict with other entries is unwrapped.
    const wrapped = T.loadTorch(fixture('torch/fixtures/seqnet_wrapped.pt')) as Record<string, unknown>;
    assert.equal(wrapped.epoch, 3);
    assert.equal(wrapped.note, 'wrapped');
    const sd = T.loadStateDictFile(fixture('torch/fixtures/seqnet_wrapped.pt'));
    assert.ok(sd['1.running_var']);
    assert.equal(sd['1.num_batches_tracked']?.dtype, 'int64');
    net.dispose();
  });
});

test("torch.save's legacy format (torch < 1.6: torchvision's Kinetics-400 files) reads, and a cut one is named", () => {
  // Written by scripts/fixtures/pytorch_checkpoints.py legacy: 'view' shares 'a''s storage.
  const file = fixture('torch/fixtures/legacy.pt');
  T.tidy(() => {
    const sd = T.loadStateDictFile(file);
    assert.deepEqual(sd.a?.toArray(), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual(
      [sd.view?.shape, sd.view?.toArray()],
      [
        [2, 2],
        [5, 6, 9, 10],
      ],
    );
    assert.deepEqual([sd.n?.dtype, sd.n?.toArray()], ['int64', [7, -2]]);
    assert.deepEqual([sd.h?.dtype, sd.h?.toArray()], ['float16', [0, 0.5, 1, 1.5]]);
    assert.deepEqual([sd.flag?.dtype, sd.flag?.toArray()], ['bool', [1, 0]]);
  });
  const cut = join(tempDir(), 'cut.pth');
  writeFileSync(cut, readFileSync(file).subarray(0, -10));
  assert.throws(
    () => T.loadStateDictFile(cut),
    (e: Error) => e.message.startsWith(`${cut}: `) && /truncated/.test(e.message),
  );
});

test('veil writes torch.save files that read back (and that torch.load reads: see make_fixtures.py)', () => {
  const path = join(tempDir(), 'w.pt');
  T.tidy(() => {
    const w = T.randn([2, 3]);
    T.saveTorch(path, { w, n: T.tensor(new BigInt64Array([4n])) });
    const back = T.loadTorch(path) as Record<string, T.Tensor>;
    assert.deepEqual(back.w?.toArray(), w.toArray());
    assert.deepEqual(back.n?.toArray(), [4]);
  });
});

test('truncated, foreign and missing checkpoint files are errors that name the file', () => {
  const dir = tempDir();
  const good = readFileSync(fixture('torch/fixtures/seqnet_io.safetensors'));
  const cut = join(dir, 'cut.safetensors');
  writeFileSync(cut, good.subarray(0, good.byteLength - 100));
  assert.throws(
    () => T.loadSafetensors(cut),
    (e: Error) => e.message.includes(cut) && /truncated/.test(e.message),
  );
  const foreign = join(dir, 'notes.txt');
  writeFileSync(foreign, 'these are not tensors at all, just some text');
  assert.throws(
    () => T.loadSafetensors(foreign),
    (e: Error) => e.message.includes(foreign),
  );
  assert.throws(
    () => T.loadStateDictFile(foreign),
    (e: Error) => e.message.includes(foreign),
  );
  const pt = readFileSync(fixture('torch/fixtures/seqnet.pt'));
  const cutPt = join(dir, 'cut.pt');
  writeFileSync(cutPt, pt.subarray(0, pt.byteLength / 2));
  assert.throws(
    () => T.loadTorch(cutPt),
    (e: Error) => e.message.includes(cutPt),
  );
  assert.throws(
    () => T.loadTorch(foreign),
    (e: Error) => e.message.includes(foreign),
  );
  const missing = join(dir, 'nope.safetensors');
  assert.throws(
    () => T.loadSafetensors(missing),
    (e: Error) => e.message.includes(missing),
  );
  assert.ok(!existsSync(missing));
});

test('an unwritable checkpoint path is an error naming it, leaving nothing behind', () => {
  const path = join(tempDir(), 'no-such-dir', 'x.safetensors');
  T.tidy(() => {
    assert.throws(
      () => T.saveSafetensors(path, { a: F.relu(T.ones([2])) }),
      (e: Error) => e.message.includes(path),
    );
  });
});

test('PyTorch reads the files veil writes (when python3-torch is installed)', (t) => {
  const py = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (py.status !== 0) {
    t.skip('python3-torch is not installed');
    return;
  }
  const dir = tempDir();
  const st = join(dir, 'v.safetensors');
  const pt = join(dir, 'v.pt');
  const expect: Record<string, [number[], number]> = {};
  T.tidy(() => {
    const a = T.randn([3, 5]);
    const b = T.arange(6, undefined, 1, { dtype: 'int64' }).reshape(2, 3);
    T.saveSafetensors(st, { a, b }, { by: 'veil' });
    T.saveTorch(pt, { a, b });
    for (const [k, v] of Object.entries({ a, b })) {
      expect[`st:${k}`] = [v.shape, v.to('float64').sum().item()];
      expect[`pt:${k}`] = [v.shape, v.to('float64').sum().item()];
    }
  });
  const r = spawnSync('/usr/bin/python3', [fixture('torch/fixtures/check_veil_files.py'), st, pt], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, [number[], number]> & { meta: Record<string, string> };
  assert.deepEqual(got.meta, { by: 'veil' });
  for (const [k, [shape, sum]] of Object.entries(expect)) {
    assert.deepEqual(got[k]?.[0], shape, k);
    assert.ok(Math.abs((got[k]?.[1] as number) - sum) < 1e-9, `${k}: ${got[k]?.[1]} vs ${sum}`);
  }
});
