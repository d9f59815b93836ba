// `npm run bench:data`: the data path's speed on this machine. Writes a small SynthPAR set to a
// temporary folder (MJPEG AVI, as `veil data synth` does), then measures, through the one batch
// pipeline streaming from the files (no frame cache: every batch decoded again),
//   1. decode + augment throughput in clips/s with 1 and 2 loader workers;
//   2. the share of a training step the loader keeps the trainer waiting, the step being a real
//      small 3D CNN forward + backward + SGD update on the engine.
// Both at the CPU demo's clip size (8 frames of 64x64, batch 8) and at SPAct's (16 of 112x112).
// Flags: --clips N (default 48), --epochs N (default 3), --threads N (libtorch threads). The step
// time printed is the median of 5 steps on a batch already in memory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CLIP_AUGMENT } from '../src/data/augment.js';
import { readUcf101 } from '../src/data/datasets/index.js';
import {
  batchOrder,
  BatchStream,
  FrameReader,
  readVideoSet,
  type VideoSet,
} from '../src/data/loader/index.js';
import { Rng } from '../src/data/rng.js';
import { writeSynthPAR } from '../src/data/synthpar/index.js';
import * as T from '../src/torch/index.js';
import { F, nn, type Tensor } from '../src/torch/index.js';

interface Size {
  name: string;
  frames: number;
  size: number;
  batch: number;
}

const SIZES: Size[] = [
  { name: 'demo 8x64x64', frames: 8, size: 64, batch: 8 },
  { name: 'SPAct 16x112x112', frames: 16, size: 112, batch: 8 },
];

function flags(): { clips: number; epochs: number; threads: number } {
  const f = { clips: 48, epochs: 3, threads: T.defaultThreads() };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]?.replace(/^--/, '') as keyof typeof f;
    const v = Number(argv[++i]);
    if (!(k in f) || !Number.isInteger(v) || v < 1)
      throw new Error(`bench:data: bad flag ${argv[i - 1]} ${argv[i]}`);
    f[k] = v;
  }
  return f;
}

/** A small C3D-like action model: what a demo-sized f_T costs per step. */
class SmallC3D extends nn.Module {
  c1 = new nn.Conv3d(3, 16, [3, 7, 7], { stride: [1, 2, 2], padding: [1, 3, 3] });
  c2 = new nn.Conv3d(16, 32, 3, { stride: 2, padding: 1 });
  c3 = new nn.Conv3d(32, 64, 3, { stride: 2, padding: 1 });
  fc = new nn.Linear(64, 10);
  forward(x: Tensor): Tensor {
    const h = F.relu(this.c3.forward(F.relu(this.c2.forward(F.relu(this.c1.forward(x))))));
    return this.fc.forward(F.flatten(F.adaptiveAvgPool3d(h, 1), 1));
  }
}

/** The set's files read at the clip size, through a reader of `workers` workers and no cache. */
async function open(dir: string, s: Size, workers: number): Promise<{ set: VideoSet; reader: FrameReader }> {
  const reader = new FrameReader({ workers, cacheBytes: 0 });
  const samples = [
    ...(await readUcf101(dir, { subset: 'train' })).samples,
    ...(await readUcf101(dir, { subset: 'test' })).samples,
  ];
  const ds = { name: 'bench', root: dir, classes: ['all'], samples };
  const set = await readVideoSet(ds, { width: s.size, height: s.size, maxFrames: 1000, reader });
  return { set, reader };
}

/** One epoch's stream of training clips (batch s.batch, the last partial batch dropped). */
function epochStream(set: VideoSet, s: Size, e: number): BatchStream {
  const rng = new Rng('bench', e);
  const order = batchOrder(set.items.length, s.batch, rng, true);
  const shape = { frames: s.frames, stride: 2, size: s.size };
  return new BatchStream(
    order.length,
    (j) => [{ kind: 'train-clips', set, idx: order[j] as number[], shape, augment: CLIP_AUGMENT }],
    { shared: rng },
    'cpu',
  );
}

/** Clips per second over the first epoch (workers starting, headers read) and over the later ones. */
async function throughput(dir: string, s: Size, workers: number, epochs: number): Promise<[number, number]> {
  const t00 = performance.now();
  const { set, reader } = await open(dir, s, workers);
  const rates: number[] = [];
  let clips = 0;
  let secs = 0;
  for (let e = 0; e < epochs; e++) {
    const t0 = e === 0 ? t00 : performance.now();
    const stream = epochStream(set, s, e);
    let n = 0;
    for (let j = 0; j < stream.count; j++) {
      const b = await stream.nextBatch();
      n += s.batch;
      T.dispose(b);
    }
    const dt = (performance.now() - t0) / 1000;
    if (e === 0) rates.push(n / dt);
    else {
      clips += n;
      secs += dt;
    }
  }
  await reader.close();
  return [rates[0] as number, secs > 0 ? clips / secs : (rates[0] as number)];
}

const rate = ([first, later]: [number, number]): string =>
  `${later.toFixed(1).padStart(6)} clips/s (first epoch ${first.toFixed(1)})`;

async function waitShare(
  dir: string,
  s: Size,
  workers: number,
  epochs: number,
): Promise<{ step: number; share: number }> {
  T.manualSeed(0);
  const model = new SmallC3D();
  const opt = T.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const step = (x: Tensor, y: Tensor): void =>
    T.tidy(() => {
      const loss = F.crossEntropy(model.forward(x), y);
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  // The step alone, on a batch already in memory.
  const x0 = T.rand([s.batch, 3, s.frames, s.size, s.size]);
  const y0 = T.randint(0, 10, [s.batch]);
  step(x0, y0);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    step(x0, y0);
    times.push(performance.now() - t0);
  }
  const alone = times.sort((a, b) => a - b)[2] as number;
  T.dispose([x0, y0]);

  const { set, reader } = await open(dir, s, workers);
  let waited = 0;
  let total = 0;
  for (let e = 0; e < epochs; e++) {
    const stream = epochStream(set, s, e);
    const start = performance.now();
    for (let j = 0; j < stream.count; j++) {
      const b = await stream.nextBatch();
      step(b[0]?.[0] as Tensor, b[0]?.[1] as Tensor);
      T.dispose(b);
    }
    // Epoch 0 includes starting the workers and the first batch, paid once per run: counted apart.
    if (e > 0 || epochs === 1) {
      waited += stream.waited * 1000;
      total += performance.now() - start;
    }
  }
  await reader.close();
  model.dispose();
  return { step: alone, share: waited / total };
}

async function main(): Promise<void> {
  const f = flags();
  T.setNumThreads(f.threads);
  const dir = await mkdtemp(join(tmpdir(), 'veil-bench-data-'));
  try {
    const t0 = performance.now();
    await writeSynthPAR({
      out: dir,
      clips: f.clips,
      images: 0,
      width: 128,
      height: 128,
      frames: 32,
      seed: 0,
    });
    const written = (performance.now() - t0) / 1000;
    console.log(
      `SynthPAR: ${f.clips} clips of 32 frames at 128x128 (MJPEG AVI) written in ${written.toFixed(1)} s`,
    );
    console.log(`libtorch threads: ${f.threads}; loader workers decode with one ffmpeg thread each\n`);
    for (const s of SIZES) {
      console.log(`${s.name}, batch ${s.batch}, stride 2, training augmentation:`);
      for (const w of [1, 2]) {
        const r = await throughput(dir, s, w, f.epochs);
        console.log(`  decode + augment, ${w} worker${w > 1 ? 's' : ' '}: ${rate(r)}`);
      }
      for (const w of [1, 2]) {
        const { step, share } = await waitShare(dir, s, w, f.epochs);
        console.log(
          `  training step alone ${step.toFixed(0)} ms; loader wait share, ${w} worker${w > 1 ? 's' : ' '}: ` +
            `${(share * 100).toFixed(1)}% (target < 5%)`,
        );
      }
      console.log('');
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
