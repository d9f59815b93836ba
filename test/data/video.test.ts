import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { DataError } from '../../src/data/errors.js';
import {
  decodeFrames,
  decodeFramesMany,
  decodeVideo,
  probeVideo,
  readAviInfo,
  VideoWriter,
  writeVideo,
} from '../../src/data/video/index.js';
import { ffmpeg, meanAbsDiff, pattern, tempDir } from './helpers.js';

const W = 64;
const H = 48;
const N = 12;
const frames = Array.from({ length: N }, (_, t) => pattern(W, H, t));

async function decodeAll(file: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const f of decodeVideo(file)) out.push(f.data);
  return out;
}

test('ffv1 in avi round-trips exactly, and ffprobe sees its frames, rate and size', async () => {
  const dir = await tempDir('video');
  const file = join(dir, 'a.avi');
  await writeVideo(file, frames, {
    width: W,
    height: H,
    fps: 25,
    codec: 'ffv1',
  });
  const info = await probeVideo(file, { count: true });
  assert.equal(info.frames, N);
  assert.equal(info.countedFrames, N);
  assert.equal(info.fps, 25);
  assert.equal(info.width, W);
  assert.equal(info.height, H);
  assert.equal(info.codec, 'ffv1');
  assert.equal(info.rotation, 0);
  assert.equal(info.hasAudio, false);
  assert.equal(info.variableFrameRate, false);
  assert.ok(Math.abs(info.duration - N / 25) < 1e-6);
  const back = await decodeAll(file);
  assert.equal(back.length, N);
  back.forEach((f, t) => assert.deepEqual(f, frames[t]));
  assert.deepEqual(await readdir(dir), ['a.avi'], 'no temporary file is left behind');
});

test('H.264 mp4 (yuv420p) and MJPEG avi round-trip closely; odd sizes are padded to even', async () => {
  const dir = await tempDir('video');
  const mp4 = join(dir, 'a.mp4');
  await writeVideo(mp4, frames, { width: W, height: H, fps: 30 });
  const info = await probeVideo(mp4);
  assert.deepEqual([info.codec, info.frames, info.fps, info.width, info.height], ['h264', N, 30, W, H]);
  const back = await decodeAll(mp4);
  assert.equal(back.length, N);
  back.forEach((f, t) => assert.ok(meanAbsDiff(f, frames[t] as Uint8Array) < 8, `frame ${t}`));

  const avi = join(dir, 'a.avi');
  await writeVideo(avi, frames, { width: W, height: H, fps: 25 });
  const ai = await probeVideo(avi);
  assert.deepEqual([ai.codec, ai.frames, ai.fps], ['mjpeg', N, 25]);
  (await decodeAll(avi)).forEach((f, t) => assert.ok(meanAbsDiff(f, frames[t] as Uint8Array) < 8));

  const odd = join(dir, 'odd.mp4');
  await writeVideo(odd, [new Uint8Array(63 * 47 * 3).fill(200)], {
    width: 63,
    height: 47,
  });
  const oi = await probeVideo(odd);
  assert.deepEqual([oi.width, oi.height, oi.frames], [64, 48, 1]);
});

test('selected frame indices come back in the asked order, scaled on decode', async () => {
  const dir = await tempDir('video');
  const file = join(dir, 'a.mkv');
  await writeVideo(file, frames, { width: W, height: H });
  const info = await probeVideo(file);
  assert.equal(info.frames, N, 'Matroska has no frame count in its header: packets are counted');
  const sel = await decodeFrames(file, [5, 0, 5, 11, 2, 4, 6, 8], { info });
  assert.equal(sel.frames.length, 8);
  [5, 0, 5, 11, 2, 4, 6, 8].forEach((t, k) => assert.deepEqual(sel.frames[k], frames[t]));
  const small = await decodeFrames(file, [3], {
    size: { width: 32, height: 24 },
  });
  assert.deepEqual([small.width, small.height, small.frames[0]?.length], [32, 24, 32 * 24 * 3]);
  const short = await decodeFrames(file, [3], { shortSide: 24 });
  assert.deepEqual([short.width, short.height], [32, 24]);
  // Scaling halves a smooth pattern without moving it.
  assert.ok(meanAbsDiff(small.frames[0] as Uint8Array, short.frames[0] as Uint8Array) === 0);
});

test('stopping early ends the decoder; frames past the end fail or repeat on request', async () => {
  const dir = await tempDir('video');
  const file = join(dir, 'a.avi');
  await writeVideo(file, frames, { width: W, height: H, codec: 'ffv1' });
  let seen = 0;
  for await (const f of decodeVideo(file)) {
    assert.equal(f.index, seen++);
    if (seen === 2) break;
  }
  assert.equal(seen, 2);
  await assert.rejects(decodeFrames(file, [3, 40]), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /a\.avi: frame 40 is past the end/);
    return true;
  });
  const rep = await decodeFrames(file, [10, 11, 12, 13], {
    onShort: 'repeat-last',
  });
  assert.deepEqual(rep.frames.slice(1), [frames[11], frames[11], frames[11]]);
});

test('missing, corrupt and truncated files give errors that name them', async () => {
  const dir = await tempDir('video');
  const missing = join(dir, 'nope.mp4');
  await assert.rejects(probeVideo(missing), new RegExp(`${missing}: video not found`));
  await assert.rejects(decodeFrames(missing, [0]), /nope\.mp4: video not found/);

  const junk = join(dir, 'junk.avi');
  await writeFile(junk, Buffer.alloc(4096, 7));
  await assert.rejects(probeVideo(junk), (e: unknown) => e instanceof DataError && e.file === junk);

  const whole = join(dir, 'whole.avi');
  const many = Array.from({ length: 40 }, (_, t) => pattern(W, H, t));
  await writeVideo(whole, many, { width: W, height: H, quality: 2 });
  const bytes = await readFile(whole);
  const cut = join(dir, 'cut.avi');
  await writeFile(cut, bytes.subarray(0, Math.floor(bytes.length / 3)));
  const info = await probeVideo(cut, { count: true });
  assert.equal(info.headerFrames, 40, 'the header still promises every frame');
  assert.ok((info.countedFrames ?? 0) < 40, 'but fewer packets are there');
  await assert.rejects(
    (async () => {
      for await (const f of decodeVideo(cut, { expectFrames: 40 })) void f;
    })(),
    /cut\.avi: decoded \d+ frames but expected 40/,
  );

  await assert.rejects(
    VideoWriter.open(join(dir, 'x.webm'), { width: W, height: H }),
    /x\.webm: cannot write '\.webm'/,
  );
  await assert.rejects(
    writeVideo(join(dir, 'bad.mp4'), [new Uint8Array(10)], {
      width: W,
      height: H,
    }),
    /bad\.mp4: frame of 10 bytes/,
  );
  assert.ok(!(await readdir(dir)).some((f) => f.endsWith('.partial')), 'aborted writes leave nothing');
});

test('rotation, variable frame rate and audio are read from real files', async () => {
  const dir = await tempDir('video');
  const plain = join(dir, 'plain.mp4');
  await writeVideo(plain, frames, { width: W, height: H });
  const turned = join(dir, 'turned.mp4');
  await ffmpeg('-i', plain, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', turned);
  const ri = await probeVideo(turned);
  assert.equal(ri.rotation % 180, 90);
  assert.deepEqual([ri.displayWidth, ri.displayHeight], [H, W]);
  const up = await decodeFrames(turned, [0], { info: ri });
  assert.deepEqual([up.width, up.height], [H, W], 'frames come out upright');

  const vfr = join(dir, 'vfr.mp4');
  await ffmpeg(
    ...['-f', 'lavfi', '-i', `testsrc=size=${W}x${H}:rate=25`, '-f', 'lavfi', '-i', 'sine=sample_rate=8000'],
    ...['-frames:v', '20', '-vf', "setpts='(N+if(gt(N,9),N-9,0))/25/TB'", '-fps_mode', 'passthrough'],
    ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', vfr],
  );
  const vi = await probeVideo(vfr);
  assert.equal(vi.hasAudio, true);
  assert.equal(vi.variableFrameRate, true);
  assert.equal(vi.rFrameRate, 25);
  assert.ok(vi.fps < 20 && vi.fps > 15, `average rate ${vi.fps}`);
  assert.equal((await decodeAll(vfr)).length, 20, 'no frames are duplicated to fill gaps');
});

test('one ffmpeg decodes several files; a broken one fails alone', async () => {
  const dir = await tempDir('video');
  const files = [0, 1, 2].map((k) => join(dir, `v${k}.avi`));
  for (const [k, f] of files.entries()) {
    await writeVideo(f, frames.slice(k, k + 8), { width: W, height: H, codec: 'ffv1' });
  }
  const infos = await Promise.all(files.map((f) => probeVideo(f)));
  const asks = [[0, 2, 4], [7, 7, 1], [3]];
  const reqs = files.map((file, k) => ({ file, indices: asks[k]!, opts: { info: infos[k]! } }));
  const many = await decodeFramesMany(reqs);
  many.forEach((r, k) => {
    assert.ok(!(r instanceof Error));
    assert.deepEqual(
      r.frames,
      asks[k]!.map((i) => frames[k + i]),
    );
  });
  const scaled = await decodeFramesMany(reqs.map((r) => ({ ...r, opts: { ...r.opts, shortSide: 24 } })));
  assert.deepEqual(
    scaled.map((r) => (r instanceof Error ? null : [r.width, r.height])),
    [
      [32, 24],
      [32, 24],
      [32, 24],
    ],
  );
  await writeFile(files[1]!, Buffer.alloc(2000, 3));
  const mixed = await decodeFramesMany(reqs);
  assert.ok(mixed[1] instanceof DataError && mixed[1].file === files[1]);
  assert.deepEqual((mixed[2] as { frames: Uint8Array[] }).frames, [frames[5]]);
  const past = await decodeFramesMany([reqs[0]!, { ...reqs[2]!, indices: [3, 30] }]);
  assert.match((past[1] as Error).message, /v2\.avi: frame 30 is past the end/);
});

test("an AVI's own header gives what ffprobe gives, without ffprobe", async () => {
  const dir = await tempDir('video');
  const files: string[] = [];
  for (const codec of ['mjpeg', 'ffv1', 'h264'] as const) {
    const f = join(dir, `${codec}.avi`);
    await writeVideo(f, frames, { width: W, height: H, codec, fps: 30 });
    files.push(f);
  }
  const sound = join(dir, 'sound.avi');
  await ffmpeg(
    ...['-f', 'lavfi', '-i', `testsrc=size=${W}x${H}:rate=12`, '-f', 'lavfi', '-i', 'sine=sample_rate=8000'],
    ...['-frames:v', '9', '-c:v', 'mjpeg', '-c:a', 'pcm_s16le', '-shortest', sound],
  );
  files.push(sound);
  for (const f of files) {
    const a = await readAviInfo(f);
    const p = await probeVideo(f);
    const pick = (i: typeof p) => [i.codec, i.frames, i.width, i.height, i.fps, i.hasAudio];
    assert.ok(a, f);
    assert.deepEqual(pick(a), pick(p), f);
  }
  const mp4 = join(dir, 'a.mp4');
  await writeVideo(mp4, frames, { width: W, height: H });
  assert.equal(await readAviInfo(mp4), null);
  await writeFile(join(dir, 'junk.avi'), Buffer.alloc(100, 1));
  assert.equal(await readAviInfo(join(dir, 'junk.avi')), null);
  assert.equal(await readAviInfo(join(dir, 'none.avi')), null);
});
