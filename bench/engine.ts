// `npm run bench:engine`: one anonymizer + action-model training step (a tiny UNet on every
// frame, a small 3D CNN on the clips, Adam; 2 clips x 16 frames x 64x64) timed in veil and, in
// the same run, in PyTorch when /usr/bin/python3 (or $VEIL_PYTHON) has torch: PyTorch's default
// eager, and PyTorch with the networks and clips in channels-last (what a PyTorch user tuning for
// oneDNN writes). veil runs its best: the memory format each network is fastest in (see
// MEMORY_FORMAT below). Same threads, same shapes, median over steps, the runs interleaved so a
// busy machine slows all three alike. Flags: --steps N, --warmup N, --threads N, --bf16 (autocast).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import * as T from '../src/torch/index.js';
import { nn, F, type Tensor } from '../src/torch/index.js';
import { ROOT, median, parseBenchFlags } from './common.js';

class DoubleConv extends nn.Sequential {
  constructor(cin: number, cout: number) {
    super(
      new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(cout),
      new nn.ReLU(),
      new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false }),
      new nn.BatchNorm2d(cout),
      new nn.ReLU(),
    );
  }
}

class TinyUNet extends nn.Module {
  inc: DoubleConv;
  down1: DoubleConv;
  down2: DoubleConv;
  up1: DoubleConv;
  up2: DoubleConv;
  outc: nn.Conv2d;
  constructor(w = 16) {
    super();
    this.inc = new DoubleConv(3, w);
    this.down1 = new DoubleConv(w, 2 * w);
    this.down2 = new DoubleConv(2 * w, 4 * w);
    this.up1 = new DoubleConv(6 * w, 2 * w);
    this.up2 = new DoubleConv(3 * w, w);
    this.outc = new nn.Conv2d(w, 3, 1);
  }
  forward(x: Tensor): Tensor {
    const up = (t: Tensor): Tensor => F.interpolate(t, { scaleFactor: 2, mode: 'bilinear' });
    const x1 = this.inc.forward(x);
    const x2 = this.down1.forward(F.maxPool2d(x1, 2));
    const x3 = this.down2.forward(F.maxPool2d(x2, 2));
    const y = this.up1.forward(F.cat([up(x3), x2], 1));
    return F.sigmoid(this.outc.forward(this.up2.forward(F.cat([up(y), x1], 1))));
  }
}

class Tiny3D extends nn.Module {
  c1: nn.Conv3d;
  b1: nn.BatchNorm;
  c2: nn.Conv3d;
  b2: nn.BatchNorm;
  c3: nn.Conv3d;
  b3: nn.BatchNorm;
  fc: nn.Linear;
  constructor(classes = 10, w = 16) {
    super();
    this.c1 = new nn.Conv3d(3, w, 3, { padding: 1, bias: false });
    this.b1 = new nn.BatchNorm3d(w);
    this.c2 = new nn.Conv3d(w, 2 * w, 3, { padding: 1, bias: false });
    this.b2 = new nn.BatchNorm3d(2 * w);
    this.c3 = new nn.Conv3d(2 * w, 4 * w, 3, { padding: 1, bias: false });
    this.b3 = new nn.BatchNorm3d(4 * w);
    this.fc = new nn.Linear(4 * w, classes);
  }
  forward(x: Tensor): Tensor {
    let h = F.maxPool3d(F.relu(this.b1.forward(this.c1.forward(x))), [1, 2, 2]);
    h = F.maxPool3d(F.relu(this.b2.forward(this.c2.forward(h))), 2);
    h = F.relu(this.b3.forward(this.c3.forward(h)));
    return this.fc.forward(F.flatten(F.adaptiveAvgPool3d(h, 1), 1));
  }
}

/** Multiply-adds x2 of the step's forward convolutions; training is about 3x that. */
function forwardFlops(w = 16): number {
  const conv = (cin: number, cout: number, k: number, outVox: number): number => 2 * cin * cout * k * outVox;
  const frames = 32;
  const s = (n: number): number => n * n;
  const unet =
    frames *
    (conv(3, w, 9, s(64)) +
      conv(w, w, 9, s(64)) +
      conv(w, 2 * w, 9, s(32)) +
      conv(2 * w, 2 * w, 9, s(32)) +
      conv(2 * w, 4 * w, 9, s(16)) +
      conv(4 * w, 4 * w, 9, s(16)) +
      conv(6 * w, 2 * w, 9, s(32)) +
      conv(2 * w, 2 * w, 9, s(32)) +
      conv(3 * w, w, 9, s(64)) +
      conv(w, w, 9, s(64)) +
      conv(w, 3, 1, s(64)));
  const clips = 2;
  const c3d =
    clips * (conv(3, w, 27, 16 * s(64)) + conv(w, 2 * w, 27, 16 * s(32)) + conv(2 * w, 4 * w, 27, 8 * s(16)));
  return unet + c3d;
}

/**
 * veil's choice, measured on this bench (2 cores, libtorch 1.13, oneDNN): the 2D UNet runs about
 * 1.25x faster with channels-last weights and activations; the small 3D CNN gains nothing from
 * channels_last_3d, but takes NDHWC clips without a copy. The clips are stored NDHWC so the frames
 * f_A sees are NHWC views of the same memory, and f_A's output reshaped back to clips is NDHWC.
 */
const MEMORY_FORMAT = { fA: 'channels_last', clips: 'channels_last_3d' } as const;

function veilSteps(steps: number, warmup: number, bf16: boolean): number[] {
  T.manualSeed(0);
  const fA = new TinyUNet().to({ memoryFormat: MEMORY_FORMAT.fA });
  const fT = new Tiny3D();
  const opt = T.Adam([...fA.parameters(), ...fT.parameters()], { lr: 1e-3 });
  const x = T.rand([2, 3, 16, 64, 64]).contiguous(MEMORY_FORMAT.clips);
  const y = T.randint(0, 10, [2]);
  const step = (): void =>
    T.tidy(() => {
      const loss = (bf16 ? T.autocast : (f: () => Tensor) => f())(() => {
        const [b, c, t, h, w] = x.shape as [number, number, number, number, number];
        const frames = x.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w);
        const anon = fA.forward(frames).reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4);
        return F.crossEntropy(fT.forward(anon), y);
      });
      opt.zeroGrad();
      loss.backward();
      opt.step();
    });
  const ms: number[] = [];
  for (let i = 0; i < warmup + steps; i++) {
    const t0 = performance.now();
    step();
    if (i >= warmup) ms.push(performance.now() - t0);
  }
  return ms;
}

type Format = 'default' | 'channels_last';

function pytorchSteps(
  threads: number,
  steps: number,
  warmup: number,
  bf16: boolean,
  format: Format,
): number[] | string {
  const py = process.env.VEIL_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return `no PyTorch at ${py}`;
  const r = spawnSync(
    py,
    [
      join(ROOT, 'bench', 'engine_ref.py'),
      String(threads),
      String(steps),
      String(warmup),
      bf16 ? '1' : '0',
      format,
    ],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) return `PyTorch run failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  return (JSON.parse(r.stdout) as { ms: number[] }).ms;
}

const flags = parseBenchFlags({ steps: 10, warmup: 3 });
T.setNumThreads(flags.threads);
const flops = 3 * forwardFlops();
console.log(
  `engine bench: tiny UNet (f_A) + 3D CNN (f_T), 2 clips x 16 frames x 64x64, Adam, ${flags.threads} threads${flags.bf16 ? ', bf16 autocast' : ''}`,
);
console.log(
  `libtorch ${T.engineInfo().torchVersion}; about ${(flops / 1e9).toFixed(1)} GFLOP per training step`,
);
// Rounds of veil, PyTorch default, PyTorch channels-last: each round's steps are timed back to back,
// and each side's median is taken over all rounds.
const rounds = 3;
const per = Math.max(1, Math.ceil(flags.steps / rounds));
const ms = { veil: [] as number[], default: [] as number[], channels_last: [] as number[] };
const skipped: string[] = [];
for (let r = 0; r < rounds; r++) {
  ms.veil.push(...veilSteps(per, flags.warmup, flags.bf16));
  for (const format of ['default', 'channels_last'] as const) {
    const ref = pytorchSteps(flags.threads, per, flags.warmup, flags.bf16, format);
    if (typeof ref === 'string') skipped.push(ref);
    else ms[format].push(...ref);
  }
}
const gflops = (t: number): string => (flops / 1e9 / (t / 1000)).toFixed(1);
const veil = median(ms.veil);
console.log(`veil    step: ${veil.toFixed(1)} ms  (${gflops(veil)} GFLOP/s)`);
if (skipped.length > 0) {
  console.log(`pytorch step: skipped (${skipped[0]})`);
} else {
  const p = median(ms.default);
  const pcl = median(ms.channels_last);
  console.log(`pytorch step: ${p.toFixed(1)} ms  (${gflops(p)} GFLOP/s), default eager`);
  console.log(`pytorch step: ${pcl.toFixed(1)} ms  (${gflops(pcl)} GFLOP/s), channels-last`);
  console.log(`engine step ratio veil/pytorch: ${(veil / p).toFixed(3)}`);
  console.log(`engine step ratio veil/pytorch-channels-last: ${(veil / pcl).toFixed(3)}`);
}
