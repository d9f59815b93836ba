// The audit's detector (BlazeFace and CenterNet from @vladmandic/human, tfjs on WebAssembly,
// weights from the npm package) on a photo that ships with that package: it finds the face, and
// none once the strong blur baseline (src/method/baselines.ts) has covered the person; the weak
// blur leaves it findable. Then `veil anonymize --audit` puts the same per-frame findings in its
// JSON summary for a video made of that photo.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { readImage } from '../../src/data/image.js';
import type { Frame } from '../../src/data/video/index.js';
import { auditFrames, sampleFrames, summarize } from '../../src/deploy/audit.js';
import { Detector } from '../../src/deploy/detector.js';
import { framesToTensor, tensorToFrames } from '../../src/method/anonymize.js';
import { obfuscate } from '../../src/method/baselines.js';
import { createModel, saveCheckpoint } from '../../src/models/index.js';
import { manualSeed } from '../../src/torch/index.js';
import { ffmpeg } from '../data/helpers.js';
import { ROOT, tempDir } from '../helpers.js';
import { facePhoto } from './face.js';

const dir = tempDir('veil-audit-');
const photo = join(dir, 'face.png');
let face: Frame;
let detector: Detector;

before(async () => {
  await facePhoto(photo);
  face = await readImage(photo);
  detector = await Detector.create();
});

function through(kind: 'strong blur' | 'weak blur', f: Frame): Frame {
  const x = framesToTensor([f.data], f.width, f.height);
  // The person box: the whole photo (she fills it).
  const y = obfuscate(kind).apply(x, [[[0, 0, f.width, f.height]]]);
  const [data] = tensorToFrames(y);
  x.dispose();
  y.dispose();
  return { data: data as Uint8Array, width: f.width, height: f.height };
}

test('the detector finds the face in the photo, none after the strong blur, one after the weak', async () => {
  const raw = await detector.detect(face);
  assert.equal(raw.faces.length, 1, JSON.stringify(raw));
  assert.ok((raw.faces[0]?.score ?? 0) > 0.8);
  assert.ok(raw.persons.length >= 1, 'and the person');
  const [bx, by, bw, bh] = raw.faces[0]?.box as number[];
  assert.ok(
    bx! > 0 && by! >= 0 && bw! > 20 && bh! > 20 && bx! + bw! <= 150 && by! + bh! <= 160,
    `box ${raw.faces[0]?.box}`,
  );

  const strong = through('strong blur', face);
  const weak = through('weak blur', face);
  const audit = summarize(
    photo,
    'blurred',
    await auditFrames(detector, [{ frame: 0, original: face, anonymized: strong }]),
  );
  assert.equal(audit.original.faces, 1);
  assert.equal(audit.anonymized.faces, 0);
  assert.ok(audit.facesHidden);
  assert.match(audit.verdict, /^no face found in the 1 sampled anonymized frame/);
  const soft = summarize(
    photo,
    'weak',
    await auditFrames(detector, [{ frame: 0, original: face, anonymized: weak }]),
  );
  assert.equal(soft.anonymized.faces, 1, 'the weak blur leaves the face findable');
  assert.ok(!soft.facesHidden);
  assert.match(soft.verdict, /^a face is still found in 1 of 1/);
});

test('frames are sampled evenly and distinct', () => {
  assert.deepEqual(sampleFrames(100, 4), [12, 37, 62, 87]);
  assert.deepEqual(sampleFrames(3, 8), [0, 1, 2]);
  assert.deepEqual(sampleFrames(0, 8), []);
});

test(
  'veil anonymize --audit reports faces per sampled frame in its summary',
  { timeout: 120_000 },
  async () => {
    const video = join(dir, 'face.mp4');
    await ffmpeg(
      '-loop',
      '1',
      '-i',
      photo,
      '-t',
      '1',
      '-r',
      '5',
      '-pix_fmt',
      'yuv420p',
      '-c:v',
      'libx264',
      video,
    );
    // An f_A of fresh weights paints a nearly flat picture: it hides the face (and everything else).
    mkdirSync(join(dir, 'fa'));
    manualSeed(5);
    const net = createModel('unet-small');
    const fA = join(dir, 'fa', 'fA.safetensors');
    saveCheckpoint(fA, net, { input: { height: 64, width: 64 } });
    net.dispose();
    const veil = join(ROOT, 'bin', 'veil.js');
    const out = JSON.parse(
      execFileSync(
        'node',
        [
          veil,
          'anonymize',
          video,
          '-o',
          join(dir, 'out.mp4'),
          '--model',
          fA,
          '--audit',
          '--audit-frames',
          '3',
          '--quiet',
        ],
        {
          encoding: 'utf8',
        },
      ),
    ) as { files: { status: string; audit: ReturnType<typeof summarize> }[] };
    const a = out.files[0]?.audit;
    assert.ok(a, 'an audit per file');
    assert.equal(a.sampled, 3);
    assert.deepEqual(
      a.frames.map((f) => f.frame),
      [0, 2, 4],
    );
    assert.equal(a.original.framesWithFaces, 3);
    assert.equal(a.anonymized.framesWithFaces, 0);
    assert.ok(a.facesHidden);
    // A stream cannot be read twice.
    const bad = spawnSync('node', [veil, 'anonymize', video, '-o', '-', '--model', fA, '--audit'], {
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2, bad.stderr);
    assert.match(bad.stderr, /--audit/);
  },
);
