// What `veil anonymize` guarantees: it never writes over its input, however the output is spelled;
// what it reports as done decodes to the frames it wrote; an input that ends early or is damaged
// fails the job (exit 1, nothing written) unless --allow-partial, with the counts in the summary.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import { countDecodableFrames, TimedEncoder } from '../../src/deploy/timed_encode.js';
import { ffmpeg, tempDir } from '../data/helpers.js';
import { makeCheckpoint } from '../deploy/fixtures.js';
import { sha256, veil } from './helpers.js';

let dir = '';
let model = '';
let video = '';
let digest = '';

before(async () => {
  dir = await tempDir('reliability');
  model = makeCheckpoint(dir);
  video = join(dir, 'clip.mp4');
  await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=32x24:rate=10:duration=1', '-c:v', 'libx264', video);
  digest = sha256(video);
});

describe('the output is never the input', () => {
  // Each spelling names clip.mp4 itself; veil must refuse with exit 2, naming both, and leave it.
  const spellings: [string, () => string][] = [
    ['the same path', () => video],
    ['a ./ path', () => join(dir, '.', 'clip.mp4')],
    ['a path through ..', () => join(dir, 'sub', '..', 'clip.mp4')],
    [
      'a symlink to it',
      () => {
        const l = join(dir, 'link.mp4');
        if (!existsSync(l)) symlinkSync(video, l);
        return l;
      },
    ],
    [
      'a symlinked folder',
      () => {
        const l = join(dir, 'dirlink');
        if (!existsSync(l)) symlinkSync(dir, l);
        return join(l, 'clip.mp4');
      },
    ],
    [
      'a hard link to it',
      () => {
        const l = join(dir, 'hard.mp4');
        if (!existsSync(l)) linkSync(video, l);
        return l;
      },
    ],
    ['its folder (the output takes the input name)', () => `${dir}/`],
  ];
  for (const [what, output] of spellings) {
    test(what, async () => {
      mkdirSync(join(dir, 'sub'), { recursive: true });
      const out = output();
      const r = await veil(['anonymize', video, '-o', out, '--model', model, '--quiet']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /is the input/);
      assert.ok(r.stderr.includes(video) || r.stderr.includes('clip.mp4'), r.stderr);
      assert.equal(sha256(video), digest, 'the input is unchanged');
    });
  }

  test('a folder onto itself, even with --force', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder, { recursive: true });
    copyFileSync(video, join(folder, 'a.mp4'));
    const before = sha256(join(folder, 'a.mp4'));
    if (!existsSync(join(dir, 'dirlink'))) symlinkSync(dir, join(dir, 'dirlink'));
    for (const out of [folder, `${folder}/`, join(folder, '..', 'folder'), join(dir, 'dirlink', 'folder')]) {
      const r = await veil(['anonymize', folder, '-o', out, '--model', model, '--force', '--quiet']);
      assert.equal(r.code, 2, `${out}: ${r.stderr}`);
      assert.match(r.stderr, /a\.mp4 is the input/);
    }
    assert.equal(sha256(join(folder, 'a.mp4')), before);
    assert.deepEqual(readdirSync(folder), ['a.mp4'], 'nothing written beside it');
  });
});

describe('what is reported done decodes', () => {
  test('a one-frame MP4 comes out with its one frame', async () => {
    const one = join(dir, 'one.mp4');
    await ffmpeg(
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=32x24:rate=10',
      '-frames:v',
      '1',
      '-c:v',
      'libx264',
      one,
    );
    const out = join(dir, 'one-out.mp4');
    const r = await veil(['anonymize', one, '-o', out, '--model', model, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout).files[0].frames, 1);
    assert.equal(await countDecodableFrames(out), 1);
  });

  test('an encoder whose file decodes fewer frames than were written keeps nothing', async () => {
    // ffmpeg cuts the output at 0.1 s (-t), so 2 of the 10 frames written are in the file.
    const path = join(dir, 'cut.mkv');
    const enc = await TimedEncoder.open({
      path,
      format: 'matroska',
      codec: 'ffv1',
      width: 16,
      height: 16,
      timeBase: [1, 20],
      fps: 20,
      rotation: 0,
      source: null,
      audio: false,
      audioCopy: null,
      audioEncoder: 'aac',
      duration: 0.1,
    });
    for (let i = 0; i < 10; i++) await enc.write(new Uint8Array(16 * 16 * 4).fill(i * 20), BigInt(i), 1n);
    await assert.rejects(
      enc.close(),
      /cut\.mkv: the output is not kept: 10 frames were written but 2 decode/,
    );
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('cut.mkv')),
      [],
      'neither the output nor its partial file',
    );
  });
});

describe('a short or damaged input fails unless --allow-partial', () => {
  let cut = '';
  before(async () => {
    const whole = join(dir, 'long.mkv');
    await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10:duration=4', '-c:v', 'libx264', whole);
    const bytes = readFileSync(whole);
    cut = join(dir, 'cut-stream.mkv');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)));
  });

  test('a truncated stream on stdin: exit 1, nothing written, counts in the summary', async () => {
    const out = join(dir, 'from-stdin.mkv');
    const r = await veil(['anonymize', '-', '-o', out, '--model', model, '--quiet'], { stdin: cut });
    assert.equal(r.code, 1, r.stderr);
    const f = JSON.parse(r.stdout).files[0];
    assert.equal(f.status, 'failed');
    assert.match(f.error, /ended prematurely/i);
    assert.ok(f.inputCheck.decoded > 0 && f.inputCheck.decoded < 40, JSON.stringify(f.inputCheck));
    assert.equal(f.inputCheck.partial, true);
    assert.ok(f.inputCheck.damage.count >= 1);
    assert.equal(existsSync(out), false);
  });

  test('--allow-partial keeps what decodes and says so', async () => {
    const out = join(dir, 'partial.mkv');
    const r = await veil(['anonymize', '-', '-o', out, '--model', model, '--quiet', '--allow-partial'], {
      stdin: cut,
    });
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(r.stdout).files[0];
    assert.equal(f.status, 'done');
    assert.equal(f.inputCheck.partial, true);
    assert.equal(f.frames, f.inputCheck.decoded);
    assert.equal(await countDecodableFrames(out), f.frames);
  });

  test('a whole input is not partial', async () => {
    const out = join(dir, 'whole.mp4');
    const r = await veil(['anonymize', video, '-o', out, '--model', model, '--quiet']);
    assert.equal(r.code, 0, r.stderr);
    const f = JSON.parse(r.stdout).files[0];
    assert.deepEqual(f.inputCheck, {
      decoded: 10,
      expected: f.inputCheck.expected,
      damage: { count: 0, first: [] },
      partial: false,
    });
    assert.ok(statSync(out).size > 0);
  });
});

describe('threads', () => {
  test('--threads above the cores is a usage error naming them', async () => {
    const r = await veil([
      'anonymize',
      video,
      '-o',
      join(dir, 't.mp4'),
      '--model',
      model,
      '--threads',
      '100000',
    ]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /--threads.*\b\d+\b.*core/);
  });

  test('VEIL_THREADS above the cores is refused, naming the variable', async () => {
    const r = await veil(['engine'], { env: { VEIL_THREADS: '100000' } });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /VEIL_THREADS must be an integer from 1 to \d+/);
  });
});
