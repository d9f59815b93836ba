// The `veil anonymize` and `veil export` commands as a user runs them: streams through stdin and
// stdout (encoded and raw), exit codes, the JSON summary, and a disk that fills mid-encode.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { ROOT } from '../helpers.js';
import { ffmpeg, tempDir } from '../data/helpers.js';
import { makeCheckpoint, makeVideo, probe, VIDEOS } from './fixtures.js';

const VEIL = join(ROOT, 'bin', 'veil.js');

interface Result {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs `veil ...` (through bash when `shell` is given, e.g. to set a ulimit), feeding `stdin`. */
function veil(args: string[], opts: { stdin?: string; shell?: string } = {}): Promise<Result> {
  const cmd = opts.shell ? 'bash' : process.execPath;
  const argv = opts.shell
    ? ['-c', `${opts.shell}; exec "${process.execPath}" "${VEIL}" ${args.map((a) => `'${a}'`).join(' ')}`]
    : [VEIL, ...args];
  const child = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  if (opts.stdin) createReadStream(opts.stdin).pipe(child.stdin);
  else child.stdin.end();
  return new Promise((resolve) =>
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err })),
  );
}

let dir = '';
let model = '';
before(async () => {
  dir = await tempDir('deploy-cli');
  model = makeCheckpoint(dir);
});

test('encoded video on stdin, Matroska on stdout; the summary goes to stderr', async () => {
  const input = await makeVideo(dir, VIDEOS[2] as (typeof VIDEOS)[number]); // odd.mkv
  const r = await veil(['anonymize', '-', '-o', '-', '--model', model, '--size', 'native', '--quiet'], {
    stdin: input,
  });
  assert.equal(r.code, 0, r.stderr);
  const out = join(dir, 'stdout.mkv');
  writeFileSync(out, r.stdout);
  const [a, b] = [await probe(input), await probe(out)];
  assert.equal(b.video.frames, a.video.frames);
  assert.deepEqual([b.video.width, b.video.height], [a.video.width, a.video.height]);
  assert.equal(JSON.parse(r.stderr).files[0].frames, a.video.frames);
});

test('raw rgb24 frames on stdin come back as raw frames of the same size', async () => {
  const raw = join(dir, 'in.rgb');
  await ffmpeg(
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=20x12:rate=10',
    '-frames:v',
    '5',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    raw,
  );
  const r = await veil(
    ['anonymize', '-', '-o', '-', '--raw', '20x12', '--fps', '10', '--model', model, '--quiet'],
    {
      stdin: raw,
    },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.length, 5 * 20 * 12 * 3);
});

test('exit codes: 0 when all is done, 1 when a file failed, 2 for a usage error naming the flag', async () => {
  const input = await makeVideo(dir, VIDEOS[6] as (typeof VIDEOS)[number]); // silent.mp4
  const ok = await veil([
    'anonymize',
    input,
    '-o',
    join(dir, 'o.mp4'),
    '--model',
    model,
    '--summary',
    join(dir, 's.json'),
  ]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout.toString()).done, 1);
  assert.ok(existsSync(join(dir, 's.json')));
  assert.match(
    ok.stderr,
    /silent\.mp4 \[#+\] \d+\/\d+ [\d.]+ frames\/s in .* done/,
    'a progress line on stderr',
  );
  const bad = await veil(['anonymize', join(dir, 'missing.mp4'), '-o', join(dir, 'x.mp4'), '--model', model]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /missing\.mp4: input not found/);
  const flag = await veil([
    'anonymize',
    input,
    '-o',
    join(dir, 'x.mp4'),
    '--model',
    model,
    '--runtime',
    'tpu',
  ]);
  assert.equal(flag.code, 2);
  assert.match(
    flag.stderr,
    /^veil anonymize: --runtime must be libtorch or onnx; got 'tpu'\n\(veil help anonymize\)/,
  );
});

test('a disk that fills mid-encode: the error names the output, no partial file is left', async () => {
  const input = join(dir, 'big.mp4');
  await ffmpeg(
    ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=2', '-c:v', 'libx264', '-crf', '0'],
    input,
  );
  const outDir = join(dir, 'full');
  const r = await veil(
    [
      'anonymize',
      input,
      '-o',
      join(outDir, 'big.mkv'),
      '--model',
      model,
      '--codec',
      'ffv1',
      '--side-by-side',
      '--quiet',
    ],
    {
      shell: 'ulimit -f 64', // 64 KiB (the raw half of --side-by-side needs more): as a full disk
    },
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /full\/big\.mkv: cannot encode/);
  assert.deepEqual(readdirSync(outDir), []);
});

test('a run stopped by a signal removes the output it was writing and exits non-zero', async () => {
  const input = join(dir, 'long.mp4');
  await ffmpeg(
    ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=20', '-c:v', 'libx264'],
    input,
  );
  const outDir = join(dir, 'stopped');
  const child = spawn(process.execPath, [
    VEIL,
    'anonymize',
    input,
    '-o',
    join(outDir, 'long.mp4'),
    '--model',
    model,
  ]);
  let err = '';
  let out = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  // Stop once the output folder exists (frames are flowing then); off a TTY the progress line may
  // not come before a tenth of the video is done, so it is no sign.
  const stopper = setInterval(() => {
    if (existsSync(outDir)) {
      clearInterval(stopper);
      setTimeout(() => child.kill('SIGTERM'), 1500);
    }
  }, 100);
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(stopper);
  assert.equal(code, 143, err); // 128 + SIGTERM, as a shell reports a killed process
  assert.match(JSON.parse(out).files[0].error, /long\.mp4: interrupted/);
  assert.deepEqual(readdirSync(outDir), [], 'no output, partial or hidden');
});

test('veil export writes an ONNX file; an action model is refused', async () => {
  const out = join(dir, 'm.onnx');
  const r = await veil(['export', model, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout.toString()).stride, 16);
  const old = await veil(['export', '--onnx', model, '-o', join(dir, 'm2.onnx')]); // the older spelling
  assert.equal(old.code, 0, old.stderr);
  const action = makeCheckpoint(dir, 'r3d-small');
  const bad = await veil(['export', action, '-o', join(dir, 'a.onnx')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /r3d-small\.safetensors: holds an action model/);
  assert.equal(existsSync(join(dir, 'a.onnx')), false);
});
