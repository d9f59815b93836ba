// bf16 autocast only where the device has bf16 hardware (bf16Pays). A CPU without it is played by
// capping oneDNN at AVX2 (ONEDNN_MAX_CPU_ISA, read by oneDNN and by bf16Pays): there oneDNN has no
// bf16 convolution, and the demo preset's training died with "could not create a primitive
// descriptor iterator" before it fell back to float32.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { bf16Pays } from '../../src/torch/index.js';
import { ROOT, tempDir } from '../helpers.js';

const veil = (env: Record<string, string>, ...args: string[]) =>
  spawnSync('node', [join(ROOT, 'bin', 'veil.js'), ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, VEIL_THREADS: '1', ...env },
  });

const AVX2 = { ONEDNN_MAX_CPU_ISA: 'AVX2' };
const TOY = ['--size', '16', '--frames', '4', '--video-frames', '8', '-q'];
let dir = '';
let data = '';

before(() => {
  dir = tempDir('veil-bf16-');
  data = join(dir, 'data');
  const r = veil({}, 'data', 'synth', '-o', data, '--clips', '24', '--size', '16', '--frames', '8', '-q');
  assert.equal(r.status, 0, r.stderr);
});

test('bf16Pays: a GPU yes; a CPU by its flags, and never beneath a oneDNN cap without bf16', () => {
  const flags =
    readFileSync('/proc/cpuinfo', 'utf8')
      .match(/^flags\s*:(.*)$/m)?.[1]
      ?.split(/\s+/) ?? [];
  const saved = process.env.ONEDNN_MAX_CPU_ISA;
  try {
    delete process.env.ONEDNN_MAX_CPU_ISA;
    assert.equal(bf16Pays('cpu'), flags.includes('avx512_bf16') || flags.includes('amx_bf16'));
    assert.equal(bf16Pays('cuda:0'), true);
    for (const cap of ['AVX2', 'avx512_core', 'AVX512_CORE_VNNI']) {
      process.env.ONEDNN_MAX_CPU_ISA = cap;
      assert.equal(bf16Pays('cpu'), false, cap);
    }
  } finally {
    if (saved === undefined) delete process.env.ONEDNN_MAX_CPU_ISA;
    else process.env.ONEDNN_MAX_CPU_ISA = saved;
  }
});

test('the demo preset trains in float32 on a CPU without bf16, and bfloat16 inference is refused there', () => {
  const ws = join(dir, 'ws');
  const common = ['--data', data, '--workspace', ws, ...TOY];
  const p = veil(AVX2, 'pretrain', 'anonymizer', ...common);
  assert.equal(p.status, 0, p.stderr);
  const t = veil(
    AVX2,
    'train',
    ...common,
    '--epochs',
    '1',
    '--clips-per-batch',
    '4',
    '--images-per-batch',
    '4',
  );
  assert.equal(t.status, 0, t.stderr);
  const fA = join(ws, 'runs', 'veil-B0.3', 'fA.safetensors');
  const video = join(dir, 'v.mp4');
  const ff = spawnSync('ffmpeg', [
    ...['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=32x32:rate=10:duration=0.5', video],
  ]);
  assert.equal(ff.status, 0);
  const out = join(dir, 'out.mkv');
  const r = veil(AVX2, 'anonymize', video, '-o', out, '--model', fA, '--precision', 'bfloat16');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /--precision bfloat16: this CPU has no bf16 instructions/);
  const f = veil(AVX2, 'anonymize', video, '-o', out, '--model', fA, '-q');
  assert.equal(f.status, 0, f.stderr);
});
