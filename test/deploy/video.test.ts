// `veil anonymize` on real encoded videos: every output keeps the input's frame count, frame
// timestamps (so fps, variable rates and duration), size, rotation and audio, as ffprobe sees it.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import {
  anonymize,
  anonymizeConfig,
  type AnonymizeConfig,
  type FileSummary,
} from '../../src/deploy/anonymize.js';
import { tempDir } from '../data/helpers.js';
import { makeCheckpoint, makeRotated, makeVideo, probe, VIDEOS, type Probed } from './fixtures.js';

let dir = '';
let model = '';
const inputs: Record<string, string> = {};

function config(over: Partial<AnonymizeConfig>): AnonymizeConfig {
  return anonymizeConfig('', '', model, { size: 'native', ...over });
}

async function run(over: Partial<AnonymizeConfig>): Promise<FileSummary> {
  const s = await anonymize(config(over), null);
  assert.equal(s.failed, 0, JSON.stringify(s.files.map((f) => f.error)));
  return s.files[0] as FileSummary;
}

function assertSameTiming(a: Probed, b: Probed, what: string): void {
  assert.equal(b.video.frames, a.video.frames, `${what}: frame count`);
  assert.equal(b.pts.length, a.pts.length, `${what}: packets`);
  // Times count from the file's start, which an Opus track's priming can move by a few ms.
  const [a0, b0] = [a.pts[0] as number, b.pts[0] as number];
  assert.ok(Math.abs(b0 - a0) < 0.005, `${what}: first frame at ${b0}s, input ${a0}s`);
  b.pts.forEach((t, i) =>
    assert.ok(
      Math.abs(t - b0 - ((a.pts[i] as number) - a0)) < 1e-4,
      `${what}: frame ${i} at ${t}s, input ${a.pts[i]}s`,
    ),
  );
  assert.equal(b.video.avgRate, a.video.avgRate, `${what}: average frame rate`);
  // Matroska has no per-stream duration: ffprobe gives the file's, which the audio's end shares.
  const tol = a.video.codec === 'vp9' || what.endsWith('.mkv') ? 0.02 : 0.002;
  assert.ok(
    Math.abs(b.video.duration - a.video.duration) < tol,
    `${what}: duration ${b.video.duration} vs ${a.video.duration}`,
  );
}

before(async () => {
  dir = await tempDir('deploy-video');
  model = makeCheckpoint(dir, 'unet-small', {}, { height: 32, width: 32 });
  for (const f of VIDEOS) inputs[f.name] = await makeVideo(dir, f);
  inputs['rotated.mp4'] = await makeRotated(dir, inputs['vfr.mp4'] as string);
});

describe('faithful outputs', () => {
  for (const f of VIDEOS) {
    test(`${f.name}: frames, timestamps, size and audio as the input`, async () => {
      const input = inputs[f.name] as string;
      const output = join(dir, 'out', f.name);
      const s = await run({ input, output });
      const [a, b] = [await probe(input), await probe(output)];
      assertSameTiming(a, b, f.name);
      assert.deepEqual([b.video.width, b.video.height], [a.video.width, a.video.height], 'size');
      assert.equal(b.audio.length, a.audio.length, 'audio streams');
      assert.equal(b.tags.title, a.tags.title, 'metadata');
      if (f.name === 'cfr.mp4') {
        assert.equal(b.tags.title, 'veil', 'the title tag is carried over');
        assert.equal(b.video.colour, 'bt709/bt709/bt709/tv', 'the colour description is kept');
      }
      for (const [i, au] of b.audio.entries())
        assert.ok(
          Math.abs(au.duration - (a.audio[i]?.duration ?? 0)) < 0.05,
          `audio duration ${au.duration}`,
        );
      assert.equal(s.frames, a.video.frames);
      assert.equal(s.rms?.perFrame.length, a.video.frames);
      assert.ok(s.rms && s.rms.mean > 0 && s.rms.max <= 1, 'RMS distortion of a fresh network: in (0, 1]');
    });
  }

  test('a rotation flag is kept, and the picture is stored the same way round', async () => {
    const input = inputs['rotated.mp4'] as string;
    const output = join(dir, 'out', 'rotated.mp4');
    await run({ input, output, size: { height: 32, width: 32 } });
    const [a, b] = [await probe(input), await probe(output)];
    assertSameTiming(a, b, 'rotated');
    assert.notEqual(a.video.rotation, 0);
    assert.equal(b.video.rotation, a.video.rotation, 'rotation');
    assert.deepEqual([b.video.width, b.video.height], [a.video.width, a.video.height], 'stored size');
  });

  test('no partial or temporary files are left beside the outputs', () => {
    assert.deepEqual(
      readdirSync(join(dir, 'out')).filter((n) => n.startsWith('.')),
      [],
    );
  });
});

describe('options', () => {
  test('--no-audio drops the audio; --codec and --crf pick the encoder', async () => {
    const output = join(dir, 'opts', 'noaudio.mkv');
    await run({ input: inputs['cfr.mp4'] as string, output, audio: false, codec: 'ffv1' });
    const b = await probe(output);
    assert.equal(b.audio.length, 0);
    assert.equal(b.video.codec, 'ffv1');
    assertSameTiming(await probe(inputs['cfr.mp4'] as string), b, 'no-audio');
  });

  test('audio a container cannot hold is re-encoded (pcm into mp4)', async () => {
    const output = join(dir, 'opts', 'pcm.mp4');
    await run({ input: inputs['pcm.mov'] as string, output });
    const b = await probe(output);
    assert.deepEqual(
      b.audio.map((x) => x.codec),
      ['aac'],
    );
    assertSameTiming(await probe(inputs['pcm.mov'] as string), b, 'pcm to mp4');
  });

  test('--side-by-side doubles the width; --preview keeps the first seconds', async () => {
    const output = join(dir, 'opts', 'sbs.mp4');
    const s = await run({ input: inputs['pcm.avi'] as string, output, sideBySide: true, preview: 0.5 });
    const b = await probe(output);
    assert.deepEqual([b.video.width, b.video.height], [68, 26]);
    assert.equal(b.video.frames, 6, '0.5 s at 12 fps');
    assert.equal(s.frames, 6);
    assert.ok(b.audio.length === 1 && (b.audio[0]?.duration ?? 9) <= 0.55, 'audio cut to the preview too');
  });

  test('--size resizes to the working size and back; the summary says so', async () => {
    const output = join(dir, 'opts', 'sized.mp4');
    const s = await anonymize(config({ input: inputs['cfr.mp4'] as string, output, size: null }), null);
    assert.equal(s.size, '32x32', 'the checkpoint records its training size');
    const b = await probe(output);
    assert.deepEqual([b.video.width, b.video.height], [34, 26]);
  });

  test('images are anonymized too, at their own size', async () => {
    const { writeImage } = await import('../../src/data/image.js');
    const png = join(dir, 'img', 'a.png');
    const data = new Uint8Array(21 * 17 * 3).map((_, i) => (i * 7) & 255);
    await writeImage(png, { data, width: 21, height: 17 });
    const s = await run({ input: png, output: join(dir, 'img-out', 'a.png') });
    assert.deepEqual([s.kind, s.width, s.height, s.frames], ['image', 21, 17, 1]);
  });
});
