// Bad input: every failure names its file, leaves nothing under a final name, and in a folder
// run stops only the file it concerns.
import assert from 'node:assert/strict';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { before, describe, test } from 'node:test';

import { anonymize, anonymizeConfig, type AnonymizeConfig } from '../../src/deploy/anonymize.js';
import { createModel, readCheckpointSpec, saveWeights } from '../../src/models/index.js';
import { ffmpeg, tempDir } from '../data/helpers.js';
import { makeCheckpoint, makeVideo, probe, VIDEOS } from './fixtures.js';

let dir = '';
let model = '';
let good = '';

function config(over: Partial<AnonymizeConfig>): AnonymizeConfig {
  return anonymizeConfig(good, join(dir, 'out.mp4'), model, { size: 'native', ...over });
}

/** Every file under `root`, relative, sorted. */
function listAll(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(root, p));
    }
  };
  walk(root);
  return out.sort();
}

before(async () => {
  dir = await tempDir('deploy-errors');
  model = makeCheckpoint(dir);
  good = await makeVideo(dir, VIDEOS[0] as (typeof VIDEOS)[number]);
});

describe('models', () => {
  test('a missing model is named', async () => {
    const missing = join(dir, 'nope.safetensors');
    await assert.rejects(anonymize(config({ model: missing }), null), (e: Error) => {
      assert.match(e.message, /nope\.safetensors: model checkpoint not found/);
      return true;
    });
  });

  test('an action model given as anonymizer is refused, naming the file', async () => {
    const action = makeCheckpoint(dir, 'r3d-small');
    await assert.rejects(anonymize(config({ model: action }), null), (e: Error) => {
      assert.ok(e.message.includes(action), e.message);
      assert.match(e.message, /holds an action model \('r3d-small'\), not an anonymizer/);
      return true;
    });
  });

  test('metadata may come from a sibling JSON; a checkpoint that names no model is refused', () => {
    const net = createModel('unet-small');
    const bare = join(dir, 'bare.safetensors');
    saveWeights(net, bare);
    net.dispose();
    assert.throws(() => readCheckpointSpec(bare), /bare\.safetensors: does not say which model.*bare\.json/);
    writeFileSync(
      join(dir, 'bare.json'),
      JSON.stringify({ model: 'unet-small', kind: 'anonymizer', input: [64, 96] }),
    );
    const spec = readCheckpointSpec(bare);
    assert.deepEqual(
      [spec.model, spec.kind, spec.input],
      ['unet-small', 'anonymizer', { height: 64, width: 96 }],
    );
    writeFileSync(join(dir, 'bare.json'), JSON.stringify({ model: 'r3d-small', kind: 'anonymizer' }));
    assert.throws(
      () => readCheckpointSpec(bare),
      /says kind 'anonymizer' but 'r3d-small' is an action model/,
    );
  });

  test('weights that do not fit the named model are refused, naming the file', async () => {
    const net = createModel('unet-small', { width: 8 });
    const wrong = join(dir, 'wrong.safetensors');
    saveWeights(net, wrong, { model: 'unet-small', options: '{}', kind: 'anonymizer' });
    net.dispose();
    await assert.rejects(
      anonymize(config({ model: wrong }), null),
      /wrong\.safetensors: weights do not fit 'unet-small'/,
    );
  });
});

describe('inputs and outputs', () => {
  test('an unwritable output is named and nothing is left', async () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    const output = join(dir, 'a-file', 'out.mp4');
    const s = await anonymize(config({ output }), null);
    assert.equal(s.failed, 1);
    assert.match(s.files[0]?.error ?? '', /a-file\/out\.mp4: cannot write the output/);
  });

  test('a file without a video stream is refused, naming it', async () => {
    const audio = join(dir, 'audio-only.mp4');
    await ffmpeg('-f', 'lavfi', '-i', 'sine=duration=0.5', '-c:a', 'aac', audio);
    const s = await anonymize(config({ input: audio, output: join(dir, 'ao.mp4') }), null);
    assert.match(s.files[0]?.error ?? '', /audio-only\.mp4: no video stream/);
    assert.equal(existsSync(join(dir, 'ao.mp4')), false);
  });

  test('a folder: mirrored, bad files reported, good ones done, nothing partial; done ones skipped', async () => {
    const inDir = join(dir, 'in');
    mkdirSync(join(inDir, 'sub'), { recursive: true });
    copyFileSync(good, join(inDir, 'a.mp4'));
    await makeVideo(join(inDir, 'sub'), VIDEOS[4] as (typeof VIDEOS)[number]); // pcm.avi
    // Truncated behind a complete header: the header promises frames that never decode.
    const fast = join(dir, 'fast.mp4');
    await ffmpeg('-i', good, '-c', 'copy', '-movflags', '+faststart', fast);
    const bytes = readFileSync(fast);
    writeFileSync(join(inDir, 'sub', 'cut.mp4'), bytes.subarray(0, Math.floor(bytes.length * 0.6)));
    writeFileSync(join(inDir, 'junk.mkv'), 'not a video at all');
    writeFileSync(join(inDir, 'notes.txt'), 'ignored');
    const { writeImage } = await import('../../src/data/image.js');
    await writeImage(join(inDir, 'sub', 'p.jpg'), {
      data: new Uint8Array(20 * 10 * 3).fill(90),
      width: 20,
      height: 10,
    });

    const out = join(dir, 'out-folder');
    const s = await anonymize(config({ input: inDir, output: out }), null);
    assert.deepEqual([s.done, s.failed, s.skipped], [3, 2, 0], JSON.stringify(s.files, null, 1));
    const failed = s.files.filter((f) => f.status === 'failed').map((f) => f.error ?? '');
    assert.ok(
      failed.some((m) => /cut\.mp4: only \d+ of the 16 frames in its header decode/.test(m)),
      failed.join('\n'),
    );
    assert.ok(
      failed.some((m) => m.includes('junk.mkv')),
      failed.join('\n'),
    );
    assert.deepEqual(listAll(out), ['a.mp4', 'sub/p.jpg', 'sub/pcm.avi']);
    assert.equal((await probe(join(out, 'sub', 'pcm.avi'))).video.frames, 18);

    const before = statSync(join(out, 'a.mp4')).mtimeMs;
    const again = await anonymize(config({ input: inDir, output: out }), null);
    assert.deepEqual([again.done, again.failed, again.skipped], [0, 2, 3]);
    assert.equal(statSync(join(out, 'a.mp4')).mtimeMs, before, 'done outputs are not redone');
    const forced = await anonymize(config({ input: inDir, output: out, force: true }), null);
    assert.deepEqual([forced.done, forced.failed, forced.skipped], [3, 2, 0]);
  });
});
