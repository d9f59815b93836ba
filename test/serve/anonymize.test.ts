// The Anonymize page runs f_A in the browser (onnxruntime-web, WebAssembly here: headless
// chromium has no GPU) on a short test video, frame by frame, and its output matches
// onnxruntime-node's on the same frames: every channel of every pixel within 1/255 (one 8-bit
// level: both round the same floats, which may differ in their last bits between the two
// builds). The frames it took are the video's, in order (against ffmpeg's decoding of the same
// file). It offers the result as a WebM of as many frames, says which f_A and resolution it ran,
// takes a local .onnx file (`veil export`'s) as well, and runs on a (fake) camera.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { OnnxRuntime } from '../../src/deploy/runtime.js';
import { checkpointOnnx } from '../../src/deploy/onnx/checkpoint_export.js';
import { createModel, saveCheckpoint } from '../../src/models/index.js';
import { Registry } from '../../src/runs/registry.js';
import type { VeilServer } from '../../src/serve/server.js';
import { manualSeed, tensor } from '../../src/torch/index.js';
import { ffmpeg, meanAbsDiff, pattern } from '../data/helpers.js';
import { facePhoto } from '../deploy/face.js';
import { ROOT, tempDir } from '../helpers.js';
import { launch, screenshotDir, serve } from './helpers.js';

const H = 32;
const W = 32;
const FRAMES = 12;
const root = tempDir('veil-serve-anon-');
const ws = join(root, 'ws');
const video = join(root, 'clip.webm');
const fA = join(ws, 'runs', 'fa', 'fA.safetensors');
let runId: number;
let flatId: number;
let server: VeilServer;
let browser: Browser;

before(async () => {
  // A real f_A checkpoint as training writes it. Fresh weights paint a nearly flat picture (any
  // two runtimes would agree on it); scaled by 1.7 its output follows its input (38 levels of
  // spread on this video), so the comparison below can see a wrong pixel, frame or channel order.
  mkdirSync(join(ws, 'runs', 'fa'), { recursive: true });
  manualSeed(11);
  const net = createModel('unet-small');
  const sd = net.stateDict();
  net.loadStateDict(
    Object.fromEntries(Object.entries(sd).map(([k, t]) => [k, k.endsWith('weight') ? t.mul(1.7) : t])),
  );
  saveCheckpoint(fA, net, { input: { height: H, width: W } });
  net.dispose();
  // And one of fresh weights, whose flat picture hides every face (for the audit).
  mkdirSync(join(ws, 'runs', 'flat'), { recursive: true });
  const flat = createModel('unet-small');
  saveCheckpoint(join(ws, 'runs', 'flat', 'fA.safetensors'), flat, { input: { height: 64, width: 64 } });
  flat.dispose();
  const reg = new Registry(join(ws, 'runs.sqlite'));
  runId = reg.startRun('minimax', 'fa', { B: 0.1 }, join(ws, 'runs', 'fa'));
  reg.finishRun(runId, 'done');
  flatId = reg.startRun('minimax', 'flat', { B: 0.1 }, join(ws, 'runs', 'flat'));
  reg.finishRun(flatId, 'done');
  reg.close();
  // 12 frames at 10 fps, each unlike the others, as VP8 in WebM (what any chromium decodes).
  const rgb = join(root, 'clip.rgb');
  writeFileSync(rgb, Buffer.concat(Array.from({ length: FRAMES }, (_, t) => pattern(W, H, t))));
  await ffmpeg(
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${W}x${H}`,
    '-r',
    '10',
    '-i',
    rgb,
    '-c:v',
    'libvpx',
    '-crf',
    '4',
    '-b:v',
    '2M',
    '-auto-alt-ref',
    '0',
    video,
  );
  server = await serve(ws);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** The frames the page kept: what f_A saw and what it gave, as RGBA, through its slider. */
function pageFrames(page: Page): Promise<{ input: number[]; output: number[] }[]> {
  return page.evaluate(() => {
    const slider = document.getElementById('frame') as HTMLInputElement;
    const read = (id: string): number[] => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      const ctx = c.getContext('2d') as CanvasRenderingContext2D;
      return Array.from(ctx.getImageData(0, 0, c.width, c.height).data);
    };
    const out: { input: number[]; output: number[] }[] = [];
    for (let i = 0; i <= Number(slider.max); i++) {
      slider.value = String(i);
      slider.dispatchEvent(new Event('input'));
      out.push({ input: read('original'), output: read('anonymized') });
    }
    return out;
  });
}

const rgbOf = (rgba: number[]): Uint8Array => Uint8Array.from(rgba.filter((_, i) => i % 4 !== 3));

test(
  'the page anonymizes a video in the browser as onnxruntime-node does, frame by frame',
  { timeout: 120_000 },
  async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}anonymize`);
    await page.selectOption('#model', `run:${runId}`);
    await page.waitForFunction(() =>
      /running at/.test(document.getElementById('model-status')?.textContent ?? ''),
    );
    const status = (await page.textContent('#model-status')) ?? '';
    assert.match(
      status,
      new RegExp(
        `f_A: run ${runId}: fa \\(unet-small\\), trained at 32x32; stride 16; running at 32x32 on WebAssembly`,
      ),
    );
    await page.setInputFiles('#video-file', video);
    const t0 = Date.now();
    await page.click('#run');
    await page.waitForSelector('#download', { timeout: 90_000 });
    const seconds = (Date.now() - t0) / 1000;
    const progress = (await page.textContent('#progress')) ?? '';
    assert.match(
      progress,
      new RegExp(`done: ${FRAMES} frames of clip\\.webm at 32x32 \\(32x32 source, 10 fps\\)`),
    );
    console.log(`in the browser: ${progress} (${seconds.toFixed(1)} s with the WebM)`);
    await page.screenshot({ path: join(screenshotDir(), 'anonymize.png'), fullPage: true });

    const frames = await pageFrames(page);
    assert.equal(frames.length, FRAMES);
    // The frames are the video's, in order: each is closest to ffmpeg's decoding of the same frame.
    const decoded = execFileSync('ffmpeg', [
      '-v',
      'error',
      '-i',
      video,
      '-f',
      'rawvideo',
      '-pix_fmt',
      'rgb24',
      '-',
    ]);
    const ff = Array.from({ length: FRAMES }, (_, i) => decoded.subarray(i * H * W * 3, (i + 1) * H * W * 3));
    frames.forEach((f, i) => {
      const d = ff.map((g) => meanAbsDiff(rgbOf(f.input), g));
      assert.equal(
        d.indexOf(Math.min(...d)),
        i,
        `frame ${i}: nearest ffmpeg frame ${d.indexOf(Math.min(...d))}`,
      );
      assert.ok(
        (d[i] as number) < 8,
        `frame ${i}: ${d[i]} levels from ffmpeg's decoding (colour conversion only)`,
      );
    });

    // f_A's picture follows the video: it varies over each frame and from frame to frame.
    const spread = (v: Uint8Array): number => {
      const m = v.reduce((a, b) => a + b, 0) / v.length;
      return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
    };
    for (const f of frames)
      assert.ok(spread(rgbOf(f.output)) > 10, `a flat output (${spread(rgbOf(f.output))} levels)`);
    assert.ok(
      meanAbsDiff(
        rgbOf((frames[0] as (typeof frames)[0]).output),
        rgbOf((frames[5] as (typeof frames)[0]).output),
      ) > 2,
    );

    // onnxruntime-node on the very frames the page fed f_A (the graph the server exported).
    const ort = await OnnxRuntime.create(checkpointOnnx(fA).bytes, 16, 1);
    let worst = 0;
    let differing = 0;
    for (const f of frames) {
      const rgb = rgbOf(f.input);
      const chw = new Float32Array(3 * H * W);
      for (let p = 0; p < H * W; p++)
        for (let c = 0; c < 3; c++) chw[c * H * W + p] = (rgb[p * 3 + c] as number) / 255;
      const y = await ort.forward(tensor(chw, [1, 3, H, W]));
      const out = y.data() as Float32Array;
      y.dispose();
      const mine = rgbOf(f.output);
      for (let p = 0; p < H * W; p++)
        for (let c = 0; c < 3; c++) {
          const want = Math.round(Math.min(1, Math.max(0, out[c * H * W + p] as number)) * 255);
          const diff = Math.abs(want - (mine[p * 3 + c] as number));
          worst = Math.max(worst, diff);
          if (diff) differing++;
        }
    }
    await ort.dispose();
    console.log(
      `browser vs onnxruntime-node: max ${worst} level(s), ${differing} of ${FRAMES * H * W * 3} values differ`,
    );
    assert.ok(worst <= 1, `browser vs onnxruntime-node: ${worst} levels apart`);
    assert.ok(differing <= 0.01 * FRAMES * H * W * 3, `${differing} values differ`);

    // The download: a WebM of the anonymized frames at f_A's resolution.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
    const file = join(root, download.suggestedFilename());
    await download.saveAs(file);
    assert.equal(download.suggestedFilename(), 'clip-anonymized.webm');
    const probe = execFileSync(
      'ffprobe',
      [
        '-v',
        'error',
        '-count_frames',
        '-select_streams',
        'v:0',
        '-show_entries',
        'stream=width,height,nb_read_frames',
        '-of',
        'csv=p=0',
        file,
      ],
      { encoding: 'utf8' },
    ).trim();
    const [pw, ph, pn] = probe.split(',').map(Number);
    assert.deepEqual([pw, ph], [W, H]);
    assert.ok(Math.abs((pn as number) - FRAMES) <= 1, `the WebM holds ${pn} frames`);
    assert.deepEqual(errors, []);
  },
);

test('a local .onnx file and the camera work too', { timeout: 60_000 }, async () => {
  const onnx = join(root, 'fA.onnx');
  execFileSync('node', [join(ROOT, 'bin', 'veil.js'), 'export', fA, '-o', onnx], { stdio: 'ignore' });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}anonymize`);
  await page.setInputFiles('#model-file', onnx);
  await page.waitForFunction(() =>
    /running at/.test(document.getElementById('model-status')?.textContent ?? ''),
  );
  assert.match(
    (await page.textContent('#model-status')) ?? '',
    /f_A: fA\.onnx \(unet-small\), trained at 32x32; stride 16/,
  );
  await page.click('#camera');
  await page.waitForFunction(
    () =>
      /camera: [3-9]\d* frames|camera: \d{2,} frames/.test(
        document.getElementById('progress')?.textContent ?? '',
      ),
    null,
    { timeout: 30_000 },
  );
  await page.click('#stop');
  await page.waitForSelector('#download');
  assert.deepEqual(errors, []);
});

test(
  "the page's audit finds the face in the original frames and none in the anonymized",
  { timeout: 120_000 },
  async () => {
    const photo = join(root, 'face.png');
    await facePhoto(photo);
    const faceVideo = join(root, 'face.webm');
    await ffmpeg(
      '-loop',
      '1',
      '-i',
      photo,
      '-t',
      '1',
      '-r',
      '5',
      '-c:v',
      'libvpx',
      '-crf',
      '4',
      '-b:v',
      '2M',
      faceVideo,
    );
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}anonymize`);
    await page.selectOption('#model', `run:${flatId}`);
    await page.waitForFunction(() =>
      /running at 64x64/.test(document.getElementById('model-status')?.textContent ?? ''),
    );
    await page.setInputFiles('#video-file', faceVideo);
    await page.click('#run');
    await page.waitForSelector('#audit:not([disabled])', { timeout: 60_000 });
    const t0 = Date.now();
    await page.click('#audit');
    await page.waitForSelector('#audit-verdict, #audit-out .error', { timeout: 90_000 });
    console.log(
      `the page's audit: ${(await page.textContent('#audit-verdict')) ?? ''} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
    assert.equal(
      await page.textContent('#audit-verdict'),
      'no face found in the 5 sampled anonymized frame(s) (the original: faces in 5 of 5)',
    );
    const rows = await page.$$eval('#audit-table tbody tr', (trs) =>
      trs.map((tr) => [...(tr as HTMLTableRowElement).cells].map((c) => c.textContent ?? '')),
    );
    assert.deepEqual(
      rows.map((r) => r[0]),
      ['0', '1', '2', '3', '4'],
    );
    for (const r of rows) {
      assert.match(
        r[1] as string,
        /^1 \(0\.9\d\)$/,
        'one face, found with confidence, in every original frame',
      );
      assert.equal(r[2], '0');
    }
    await page.screenshot({ path: join(screenshotDir(), 'audit.png'), fullPage: true });
    assert.deepEqual(errors, []);
  },
);
