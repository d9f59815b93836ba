import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { type EpochLog, selectEpoch, trainMinimax } from '../../src/method/minimax.js';
import { createNetworks } from '../../src/method/pretrain.js';
import type { Network } from '../../src/models/index.js';
import { tempDir } from '../helpers.js';
import { tinyConfig, tinyData } from './fixtures.js';

const weights = (n: Network): number[] => n.parameters().flatMap((p) => Array.from(p.data() as Float32Array));

test('minimax: a run stopped mid-epoch and resumed ends bit-for-bit where an unbroken run ends', () => {
  const d = tinyData();
  const c = tinyConfig({ checkpointEvery: 1 });
  const whole = createNetworks(c, 10);
  const a = trainMinimax(whole, d, c, { dir: join(tempDir(), 'a'), resume: false });
  assert.equal(a.history.length, 2);
  assert.ok(existsSync(a.fAPath));

  const dir = join(tempDir(), 'b');
  let steps = 0;
  const stop = new Error('stopped');
  assert.throws(
    () =>
      trainMinimax(createNetworks(c, 10), d, c, {
        dir,
        resume: false,
        tick: () => {
          if (++steps === 6) throw stop; // in epoch 1, after its first batch was checkpointed
        },
      }),
    /stopped/,
  );
  // Fresh networks from another seed: everything must come from the checkpoint.
  const resumed = createNetworks({ ...c, seed: 99 }, 10);
  const b = trainMinimax(resumed, d, c, { dir, resume: true });
  assert.equal(b.history.length, 2);
  for (const k of ['fA', 'fT', 'fB'] as const) assert.deepEqual(weights(resumed[k]), weights(whole[k]), k);
  assert.deepEqual(b.history, a.history);
});

test('minimax step 1 leaves f_T and f_B alone; lambda, B and the penalty show in the log', () => {
  const d = tinyData();
  const c = tinyConfig({ epochs: 1, B: 0, lambda: 1 });
  const n = createNetworks(c, 10);
  const r = trainMinimax(n, d, c, { dir: tempDir(), resume: false });
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
