// `npm run bench:train`: what training costs on this machine, through `veil train` itself (a child
// process per run, its peak memory read from /proc while it runs).
//   1. Memory does not grow with the dataset: SynthPAR written with 500 and with 4,000 videos at
//      112x112 (32 frames each, as many VISPR images), `veil train` for a bounded number of minimax
//      steps on each (the demo preset's networks at 112x112 and 16-frame clips), streaming from
//      disk (--cache-mb 0: a cached set would be held whole, by design): the peak RSS of each
//      (within 10% of each other, below 3 GB) and the share of the step time the trainer spent
//      waiting for the loader (below 5%), as `veil train` measures and prints it.
//   2. The paper preset (`--preset paper`: UNet++-R18, I3D-R50, ResNet-50, 8 clips of 16 frames
//      and 8 images a batch) at 112x112 and 224x224: seconds per minimax step on this CPU, and the
//      epoch time that implies for UCF101 split 1 (9,537 training videos, every 8th held out for
//      validation as `veil train` does: 1,043 steps of 8 clips).
// The datasets are written once into the work folder (--work, default $VEIL_BENCH_DIR or
// <tmp>/veil-bench-train) and reused by later runs. Flags for a reduced run:
//   --videos 500,4000   the dataset sizes        --steps 40         minimax steps per run (part 1)
//   --sizes 112,224     the paper preset's sizes  --paper-steps 2    steps per paper run (0: skip part 2)
//   --paper-clips 8 --paper-images 8 --paper-frames 16   the paper runs' batch and clip length
//   --threads N         VEIL_THREADS of the runs (default: every core)
// Prints numbers and the targets; asserts nothing (timings belong to the machine, not to a test).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { readUcf101, readVispr } from '../src/data/datasets/index.js';
import { FrameReader, holdOut, readImageSet, readVideoSet } from '../src/data/loader/index.js';
import { ensureSynthPAR } from '../src/runs/data.js';
import * as T from '../src/torch/index.js';

const VEIL = new URL('../../bin/veil.js', import.meta.url).pathname;
/** UCF101 split 1's training videos, and the minimax steps of an epoch over them at `clips` a step. */
const UCF101_TRAIN = 9537;
const ucf101Steps = (clips: number): number => Math.floor((UCF101_TRAIN * 7) / 8 / clips);

interface Flags {
  videos: number[];
  steps: number;
  sizes: number[];
  paperSteps: number;
  paperClips: number;
  paperImages: number;
  paperFrames: number;
  threads: number;
  work: string;
}

function flags(): Flags {
  const f: Flags = {
    videos: [500, 4000],
    steps: 40,
    sizes: [112, 224],
    paperSteps: 2,
    paperClips: 8,
    paperImages: 8,
    paperFrames: 16,
    threads: T.defaultThreads(),
    work: process.env.VEIL_BENCH_DIR || join(tmpdir(), 'veil-bench-train'),
  };
  const argv = process.argv.slice(2);
  const camel = (k: string): string => k.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  for (let i = 0; i < argv.length; i += 2) {
    const k = camel(argv[i]?.replace(/^--/, '') ?? '') as keyof Flags;
    const raw = argv[i + 1] ?? '';
    if (!(k in f)) throw new Error(`bench:train: unknown flag ${argv[i]}`);
    if (k === 'work') f.work = raw;
    else if (k === 'videos' || k === 'sizes') {
      const list = raw.split(',').map(Number);
      if (!list.every((v) => Number.isInteger(v) && v >= 8))
        throw new Error(`bench:train: bad --${k} ${raw}`);
      f[k] = list;
    } else {
      const v = Number(raw);
      if (!Number.isInteger(v) || v < 0) throw new Error(`bench:train: bad ${argv[i]} ${raw}`);
      f[k] = v;
    }
  }
  return f;
}

interface Ran {
  code: number | null;
  stderr: string;
  peakMiB: number;
  seconds: number;
}

/** The peak resident memory of a process so far (VmHWM), 0 once it is gone. */
function vmHWM(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** `veil ...args`; VmHWM only grows, so polling it gives the peak up to the last poll. */
async function veil(args: string[], threads: number): Promise<Ran> {
  const t0 = performance.now();
  const env = { ...process.env, VEIL_THREADS: String(threads) };
  const child = spawn('node', [VEIL, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited = false;
  const exit = new Promise<number | null>((res) =>
    child.on('close', (code) => {
      exited = true;
      res(code);
    }),
  );
  let peakMiB = 0;
  while (!exited) {
    peakMiB = Math.max(peakMiB, vmHWM(child.pid as number));
    await sleep(50);
  }
  return { code: await exit, stderr, peakMiB, seconds: (performance.now() - t0) / 1000 };
}

/** What `veil train` printed about its steps: seconds waited for batches, seconds of steps. */
function loaderLine(r: Ran): { wait: number; seconds: number } | null {
  const m = /loader: the steps waited ([\d.]+) s of ([\d.]+) s/.exec(r.stderr);
  return m ? { wait: Number(m[1]), seconds: Number(m[2]) } : null;
}

const failed = (r: Ran): string =>
  `failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 400)}`;

async function dataset(f: Flags, videos: number): Promise<string> {
  const dir = join(f.work, `synthpar-${videos}`);
  const t0 = performance.now();
  // Reused when the same one is there (its synthpar.json says what it holds).
  await ensureSynthPAR(dir, {
    variant: 'known',
    clips: videos,
    images: videos,
    width: 112,
    height: 112,
    frames: 32,
    seed: 0,
  });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `SynthPAR ${videos} videos + ${videos} images at 112x112, 32 frames: ${dir} (${s.toFixed(0)} s)`,
  );
  return dir;
}

/**
 * Minimax steps in the first epoch on a SynthPAR folder (8 clips and 8 images a step, every 8th
 * training video held out): a run that stays inside it measures training, not validation.
 */
async function firstEpochSteps(dir: string): Promise<number> {
  const reader = new FrameReader({ workers: 0 });
  const size = { width: 112, height: 112, reader };
  const videos = await readVideoSet(await readUcf101(dir, { subset: 'train' }), { ...size, maxFrames: 32 });
  const images = await readImageSet(await readVispr(join(dir, 'vispr'), { split: 'train' }), size);
  await reader.close();
  return Math.min(Math.floor(holdOut(videos, 8).train.items.length / 8), Math.floor(images.items.length / 8));
}

/** `veil train` for `steps` minimax steps in a fresh workspace. */
function train(f: Flags, data: string, steps: number, extra: string[]): Promise<Ran> {
  const ws = join(f.work, 'ws');
  rmSync(ws, { recursive: true, force: true });
  mkdirSync(ws, { recursive: true });
  return veil(
    [
      'train',
      '--data',
      data,
      '--workspace',
      ws,
      '--video-frames',
      '32',
      '--max-steps',
      String(steps),
      ...extra,
    ],
    f.threads,
  );
}

async function main(): Promise<void> {
  const f = flags();
  mkdirSync(f.work, { recursive: true });
  console.log(`veil train, VEIL_THREADS=${f.threads}, work folder ${f.work}\n`);
  const sets = new Map<number, string>();
  for (const n of f.videos) sets.set(n, await dataset(f, n));

  // Every run stops inside the smallest set's first epoch: the same work, only the dataset grows.
  const steps = Math.min(f.steps, (await firstEpochSteps(sets.get(Math.min(...f.videos)) as string)) - 1);
  console.log(`\n1. demo networks at 112x112, 16-frame clips, ${steps} minimax steps, streamed from disk:`);
  const peaks: number[] = [];
  for (const n of f.videos) {
    const r = await train(f, sets.get(n) as string, steps, [
      '--size',
      '112',
      '--frames',
      '16',
      '--cache-mb',
      '0',
    ]);
    const l = loaderLine(r);
    if (r.code !== 0 || !l) {
      console.log(`  ${String(n).padStart(5)} videos: ${failed(r)}`);
      continue;
    }
    peaks.push(r.peakMiB);
    console.log(
      `  ${String(n).padStart(5)} videos: peak RSS ${r.peakMiB.toFixed(0)} MiB; ${(l.seconds / steps).toFixed(2)} s a step, ` +
        `waiting for the loader ${((100 * l.wait) / l.seconds).toFixed(1)}% of it (target < 5%)`,
    );
  }
  if (peaks.length >= 2) {
    const ratio = Math.max(...peaks) / Math.min(...peaks);
    const top = Math.max(...peaks) / 1024;
    console.log(
      `  peak RSS largest/smallest set ${ratio.toFixed(3)} (target <= 1.10); highest ${top.toFixed(2)} GiB (target < 3 GB)`,
    );
  }

  if (f.paperSteps === 0) return;
  const data = sets.get(Math.min(...f.videos)) as string;
  const batch = `${f.paperClips} clips of ${f.paperFrames} frames + ${f.paperImages} images a batch`;
  console.log(`\n2. --preset paper, ${batch}, ${f.paperSteps} minimax steps:`);
  for (const size of f.sizes) {
    const r = await train(f, data, f.paperSteps, [
      '--preset',
      'paper',
      '--size',
      String(size),
      '--frames',
      String(f.paperFrames),
      '--clips-per-batch',
      String(f.paperClips),
      '--images-per-batch',
      String(f.paperImages),
    ]);
    const l = loaderLine(r);
    if (r.code !== 0 || !l) {
      console.log(`  ${size}x${size}: ${failed(r)}`);
      continue;
    }
    const perStep = l.seconds / f.paperSteps;
    const steps = ucf101Steps(f.paperClips);
    const epoch = (perStep * steps) / 3600;
    console.log(
      `  ${size}x${size}: ${perStep.toFixed(1)} s a minimax step (peak RSS ${(r.peakMiB / 1024).toFixed(1)} GiB): ` +
        `UCF101 split 1 (${UCF101_TRAIN} videos, ${steps} steps) ${epoch.toFixed(1)} h an epoch on this CPU` +
        (f.paperClips !== 8 || f.paperImages !== 8 || f.paperFrames !== 16 ? ' (at this reduced batch)' : ''),
    );
  }
}

await main();
