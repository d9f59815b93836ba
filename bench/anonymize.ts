// `npm run bench:anonymize`: end-to-end frames/s of `veil anonymize` (decode + f_A + encode) on one
// video the bench makes (320x240 at 25 fps, as UCF101's), for the demo anonymizer at 112x112 and
// 224x224 and the paper's UNet++ at 224x224, with libtorch and with onnxruntime-node, beside the
// I/O ceiling: ffmpeg decoding and encoding the same file alone, with the same encoder settings.
// Also veil's own pipeline with the network left out, which shows what the worker plumbing costs.
// Anonymizers are freshly initialised (speed does not depend on training) and saved in the
// checkpoint format. Each case runs `--repeats` times (default 2); the best run counts, being
// the least disturbed by other work on a shared machine.
//   --seconds S    length of the video (default 6)     --repeats N     --only unet-small,unetpp-r18
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { anonymize, anonymizeConfig } from '../src/deploy/anonymize.js';
import { VideoJob } from '../src/deploy/video_job.js';
import { createModel, saveCheckpoint } from '../src/models/index.js';
import { defaultThreads, manualSeed } from '../src/torch/index.js';

const exec = promisify(execFile);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const SECONDS = Number(arg('--seconds') ?? 6);
const REPEATS = Number(arg('--repeats') ?? 2);
const ONLY = arg('--only')?.split(',');

interface Case {
  model: string;
  size: number;
}

const CASES: Case[] = [
  { model: 'unet-small', size: 112 },
  { model: 'unet-small', size: 224 },
  { model: 'unetpp-r18', size: 224 },
].filter((c) => !ONLY || ONLY.includes(c.model));

async function best(fn: () => Promise<number>): Promise<number> {
  let top = 0;
  for (let i = 0; i < REPEATS; i++) top = Math.max(top, await fn());
  return top;
}

/** ffmpeg alone: decode the file and encode it as veil's default does (libx264 veryfast, CRF 18). */
async function ioCeiling(file: string, out: string, frames: number): Promise<number> {
  const t = performance.now();
  await exec('ffmpeg', [
    ...['-nostdin', '-v', 'error', '-y', '-threads', '1', '-i', file, '-map', '0:v', '-c:v', 'libx264'],
    ...['-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-threads', '1', out],
  ]);
  return frames / ((performance.now() - t) / 1000);
}

/** veil's pipeline with the network left out: frames go to the encoder as decoded (RGBA). */
async function ioOnly(file: string, out: string): Promise<number> {
  const t = performance.now();
  const job = await VideoJob.start({
    source: { path: file },
    target: {
      path: out,
      format: 'mp4',
      codec: 'h264',
      rotation: 0,
      source: null,
      audio: false,
      audioCopy: null,
      audioEncoder: 'aac',
    },
    fps: 25,
    widthFactor: 1,
    window: { frames: 24, bytes: 2 ** 28, least: 8 },
  });
  let n = 0;
  for (;;) {
    const frames = await job.take(8);
    if (frames.length === 0) break;
    const rgba = new Uint8Array(frames.length * (frames[0] as Uint8Array).length * (4 / 3));
    frames.forEach((f, i) => {
      const base = (i * f.length * 4) / 3;
      for (let p = 0, q = base; p < f.length; p += 3, q += 4) {
        rgba[q] = f[p] as number;
        rgba[q + 1] = f[p + 1] as number;
        rgba[q + 2] = f[p + 2] as number;
        rgba[q + 3] = 255;
      }
    });
    job.write(rgba, frames.length);
    n += frames.length;
  }
  await job.finish();
  return n / ((performance.now() - t) / 1000);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'veil-bench-anon-'));
  try {
    const video = join(dir, 'in.mp4');
    await exec('ffmpeg', [
      ...[
        '-nostdin',
        '-v',
        'error',
        '-y',
        '-f',
        'lavfi',
        '-i',
        `testsrc2=size=320x240:rate=25:duration=${SECONDS}`,
      ],
      ...[
        '-f',
        'lavfi',
        '-i',
        `sine=duration=${SECONDS}`,
        '-c:v',
        'libx264',
        '-pix_fmt',
        'yuv420p',
        '-c:a',
        'aac',
        video,
      ],
    ]);
    const frames = Math.round(SECONDS * 25);
    console.log(
      `veil anonymize, end to end: ${frames} frames of 320x240 h264 + aac; ${defaultThreads()} cores, ` +
        `${defaultThreads()} inference thread(s) beside ffmpeg's; best of ${REPEATS}`,
    );
    const ceiling = await best(() => ioCeiling(video, join(dir, 'io.mp4'), frames));
    const rows: [string, number][] = [['ffmpeg decode + encode alone (I/O ceiling)', ceiling]];
    rows.push(['veil pipeline, no network', await best(() => ioOnly(video, join(dir, 'plain.mp4')))]);
    const print = ([name, fps]: [string, number]): void =>
      console.log(
        `  ${name.padEnd(46)} ${fps.toFixed(1).padStart(8)} frames/s   ${(fps / ceiling).toFixed(3)} x ceiling`,
      );
    rows.forEach(print);
    // The yardstick: the demo anonymizer at 112x112 against the I/O ceiling.
    const yardstick: string[] = [];
    for (const c of CASES) {
      manualSeed(0);
      const net = createModel(c.model);
      const ckpt = join(dir, `${c.model}.safetensors`);
      saveCheckpoint(ckpt, net, { model: c.model });
      net.dispose();
      for (const runtime of ['libtorch', 'onnx'] as const) {
        const output = join(dir, `out-${c.model}-${c.size}-${runtime}.mp4`);
        const size = { height: c.size, width: c.size };
        const cfg = anonymizeConfig(video, output, ckpt, { runtime, size, force: true });
        const fps = await best(async () => {
          const s = await anonymize(cfg, null);
          if (s.failed) throw new Error(s.files[0]?.error);
          return s.files[0]?.fps ?? 0;
        });
        print([`${c.model} at ${c.size}x${c.size}, ${runtime}`, fps]);
        if (c.model === 'unet-small' && c.size === 112)
          yardstick.push(`anonymize ratio veil/ffmpeg ${runtime}: ${(fps / ceiling).toFixed(3)}`);
      }
    }
    for (const line of yardstick) console.log(line);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
