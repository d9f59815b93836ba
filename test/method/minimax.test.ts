import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { type EpochLog, selectEpoch, trainMinimax } from '../../src/method/minimax.js';
import { validateConfig } from '../../src/method/config.js';
import { createNetworks } from '../../src/method/pretrain.js';
import type { Network } from '../../src/models/index.js';
import { tempDir } from '../helpers.js';
import { tinyConfig, tinyData } from './fixtures.js';

/** A run into `dir` killed after `steps` batches (the 'stopped' error stands for the kill). */
async function stopAfter(steps: number, c: ReturnType<typeof tinyConfig>, dir: string): Promise<void> {
  let n = 0;
  await assert.rejects(
    () =>
      trainMinimax(createNetworks(c, 10), tinyData(), c, {
        dir,
        resume: false,
        tick: () => {
          if (++n === steps) throw new Error('stopped');
        },
      }),
    /stopped/,
  );
}

const weights = (n: Network): number[] => n.parameters().flatMap((p) => Array.from(p.data() as Float32Array));

test('minimax: a run stopped mid-epoch and resumed ends bit-for-bit where an unbroken run ends', async () => {
  const d = tinyData();
  const c = tinyConfig({ checkpointEvery: 1 });
  const whole = createNetworks(c, 10);
  const a = await trainMinimax(whole, d, c, { dir: join(tempDir(), 'a'), resume: false });
  assert.equal(a.history.length, 2);
  assert.ok(existsSync(a.fAPath));

  const dir = join(tempDir(), 'b');
  await stopAfter(6, c, dir); // in epoch 1, after its first batch was checkpointed
  // Fresh networks from another seed: everything must come from the checkpoint.
  const resumed = createNetworks({ ...c, seed: 99 }, 10);
  const b = await trainMinimax(resumed, d, c, { dir, resume: true });
  assert.equal(b.history.length, 2);
  for (const k of ['fA', 'fT', 'fB'] as const) assert.deepEqual(weights(resumed[k]), weights(whole[k]), k);
  assert.deepEqual(b.history, a.history);

  // A time-boxed run (maxSteps) stops checkpointed, mid-epoch or at an epoch's end, and goes on.
  const boxed = join(tempDir(), 'c');
  const parts = [3, 1, 3]; // 4 batches an epoch: mid-epoch, at epoch 0's end, mid-epoch 1
  for (const maxSteps of parts) {
    const r = await trainMinimax(createNetworks(c, 10), d, c, { dir: boxed, resume: true, maxSteps });
    assert.ok(r.stopped && r.fAPath === '', `stopped after ${maxSteps} more steps`);
    assert.ok(r.loader.seconds > 0 && r.loader.wait >= 0 && r.loader.wait <= r.loader.seconds);
  }
  const nets = createNetworks({ ...c, seed: 99 }, 10);
  const rest = await trainMinimax(nets, d, c, { dir: boxed, resume: true });
  assert.equal(rest.stopped, false);
  assert.deepEqual(rest.history, a.history);
  for (const k of ['fA', 'fT', 'fB'] as const) assert.deepEqual(weights(nets[k]), weights(whole[k]), k);
});

test('minimax step 1 leaves f_T and f_B alone; lambda, B and the penalty show in the log', async () => {
  const d = tinyData();
  const c = tinyConfig({ epochs: 1, B: 0, lambda: 1 });
  const n = createNetworks(c, 10);
  const r = await trainMinimax(n, d, c, { dir: tempDir(), resume: false });
  const h = r.history[0] as EpochLog;
  // With B = 0 the hinge is the RMS itself.
  assert.ok(Math.abs(h.Lpenalty - h.rms) < 1e-6);
  assert.ok(h.LA < h.LT, 'L_A subtracts w_B L_B');
  for (const v of [h.LT, h.LB, h.LT2, h.LB2, h.val.top1, h.val.privacyMatch, h.val.rms])
    assert.ok(Number.isFinite(v));
});

test('checkpoint selection by the validation rule', () => {
  const log = (top1: number, probe: number, epoch: number, rms = 0): EpochLog => ({
    epoch,
    LA: 0,
    LT: 0,
    LB: 0,
    Lpenalty: 0,
    rms: 0,
    LT2: 0,
    LB2: 0,
    lambda: 1,
    val: { top1, privacyMatch: probe, rms },
  });
  assert.equal(selectEpoch([log(0.9, 0.8, 0), log(0.8, 0.5, 1), log(0.95, 0.9, 2)]), 1);
  assert.equal(selectEpoch([log(0.5, 0.5, 0), log(0.5, 0.5, 1)]), 1, 'ties go to the later epoch');
  assert.throws(() => selectEpoch([]), /no epochs/);
  // One rule for every run: the distortion never enters the choice (the budget acts through L_penalty).
  const run = [log(0.9, 0.8, 0, 0.06), log(0.8, 0.5, 1, 0.12), log(0.85, 0.4, 2, 0.2)];
  assert.equal(selectEpoch(run), 2);
  assert.equal(selectEpoch([log(0.9, 0.8, 0, 0.3), log(0.9, 0.8, 1, 0.2)]), 1);
});

test('dual lambda: after every f_A step lambda moves by dualLr (RMS - B), never below 0, and resumes exactly', async () => {
  const d = tinyData();
  for (const [B, dualLr] of [
    [0, 50], // over budget every step: lambda climbs
    [10, 0.2], // far under budget: lambda falls to 0 and stays there
  ] as const) {
    const c = tinyConfig({ epochs: 2, B, lambda: 1, lambdaRule: 'dual', dualLr, checkpointEvery: 1 });
    const steps: { lambda: number; rms: number }[] = [];
    const r = await trainMinimax(createNetworks(c, 10), d, c, {
      dir: tempDir(),
      resume: false,
      onStep: (s) => {
        if (s.phase === 1) steps.push({ lambda: s.losses.lambda as number, rms: s.losses.rms as number });
      },
    });
    assert.ok(steps.length >= 2);
    assert.equal(steps[0]?.lambda, 1, 'lambda starts at --lambda');
    for (let i = 1; i < steps.length; i++) {
      const prev = steps[i - 1] as { lambda: number; rms: number };
      const want = Math.max(0, prev.lambda + dualLr * (prev.rms - B));
      assert.ok(
        Math.abs((steps[i]?.lambda as number) - want) < 1e-9,
        `step ${i}: ${steps[i]?.lambda} vs ${want}`,
      );
    }
    const end = r.history.at(-1) as EpochLog;
    const last = steps.at(-1) as { lambda: number; rms: number };
    assert.ok(Math.abs(end.lambda - Math.max(0, last.lambda + dualLr * (last.rms - B))) < 1e-9);
    if (B === 0) assert.ok(end.lambda > 1, `lambda rose: ${end.lambda}`);
    else assert.equal(end.lambda, 0);
  }
  // Stopped mid-epoch and resumed: lambda comes back from the checkpoint, not from the config.
  const c = tinyConfig({ epochs: 2, B: 0, lambda: 1, lambdaRule: 'dual', dualLr: 50, checkpointEvery: 1 });
  const whole = await trainMinimax(createNetworks(c, 10), d, c, { dir: join(tempDir(), 'w'), resume: false });
  const dir = join(tempDir(), 'r');
  await stopAfter(6, c, dir);
  const resumed = await trainMinimax(createNetworks(c, 10), d, c, { dir, resume: true });
  assert.deepEqual(resumed.history, whole.history);
});

test('the motion budget: dual lambda follows the distortion B bounds, logged beside RMS, validated too', async () => {
  const d = tinyData();
  const B = 0.01;
  const dualLr = 50;
  const c = tinyConfig({ epochs: 1, B, lambda: 1, lambdaRule: 'dual', dualLr, distortion: 'motion' });
  const steps: { lambda: number; D: number; rms: number }[] = [];
  const r = await trainMinimax(createNetworks(c, 10), d, c, {
    dir: tempDir(),
    resume: false,
    onStep: (s) => {
      if (s.phase === 1)
        steps.push({
          lambda: s.losses.lambda as number,
          D: s.losses.distortion as number,
          rms: s.losses.rms as number,
        });
    },
  });
  assert.ok(steps.length >= 2);
  for (let i = 1; i < steps.length; i++) {
    const prev = steps[i - 1] as { lambda: number; D: number };
    assert.ok(Number.isFinite(prev.D) && prev.D >= 0);
    const want = Math.max(0, prev.lambda + dualLr * (prev.D - B));
    assert.ok(Math.abs((steps[i]?.lambda as number) - want) < 1e-9, `step ${i}`);
  }
  assert.ok(
    steps.some((s) => Math.abs(s.D - s.rms) > 1e-6),
    'the motion distortion is not the RMS',
  );
  const val = r.history[0]?.val;
  assert.ok(val && typeof val.distortion === 'number' && typeof val.rms === 'number');
  assert.throws(
    () => validateConfig({ ...c, distortion: 'ssim' as 'rms' }),
    /'distortion' must be 'rms' or 'motion'/,
  );
});

test('fixed lambda never moves', async () => {
  const d = tinyData();
  const c = tinyConfig({ epochs: 1, B: 0, lambda: 2 });
  const seen = new Set<number>();
  const r = await trainMinimax(createNetworks(c, 10), d, c, {
    dir: tempDir(),
    resume: false,
    onStep: (s) => {
      if (s.phase === 1) seen.add(s.losses.lambda as number);
    },
  });
  assert.deepEqual([...seen], [2]);
  assert.equal(r.history[0]?.lambda, 2);
});
