import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { drawBatch, type ImageSet, tensorOf } from '../../src/data/loader/index.js';
import { Rng } from '../../src/data/rng.js';
import { Adversaries } from '../../src/method/adversaries.js';
import { validateConfig } from '../../src/method/config.js';
import { ntXent } from '../../src/method/losses.js';
import { trainMinimax } from '../../src/method/minimax.js';
import { createNetworks, privacyLoss, privacyViews } from '../../src/method/pretrain.js';
import type { Network } from '../../src/models/index.js';
import * as T from '../../src/torch/index.js';
import { tempDir } from '../helpers.js';
import { imageSet, tinyConfig, tinyData } from './fixtures.js';

const weights = (n: Network): number[] => n.parameters().flatMap((p) => Array.from(p.data() as Float32Array));
const part = (n: Network, head: boolean): number[] =>
  Object.entries(n.stateDict())
    .filter(([k]) => k.startsWith('fc.') === head)
    .flatMap(([, t]) => Array.from(t.float().data() as Float32Array));
/** Two augmented views of each image in `idx`, drawn from `rng` as the minimax draws them. */
async function views(
  images: ImageSet,
  idx: number[],
  c: ReturnType<typeof tinyConfig>,
  rng: Rng,
): Promise<T.Tensor[][]> {
  const d = drawBatch([privacyViews(images, idx, c)], rng);
  await d.ready;
  return d.take(c.device);
}

const ensemble = (o: Partial<ReturnType<typeof tinyConfig>['adversaries']> = {}) =>
  tinyConfig({ adversaries: { count: 3, reinitEvery: 0, reinitFrom: 'pretrained', warmup: 0, ...o } });

test('adversaries: M members share the pre-trained encoder, each with its own head; f_A faces the strongest per anchor', async () => {
  const c = ensemble();
  const n = createNetworks(c, 10);
  const adv = new Adversaries(n.fB, T.Adam(n.fB.parameters()), c);
  assert.equal(adv.members.length, 3);
  assert.equal(adv.members[0], n.fB, "member 0 is the minimax's f_B");
  assert.deepEqual(Object.keys(adv.nets()), ['fB1', 'fB2']);
  assert.deepEqual(Object.keys(adv.optimizers()), ['optB1', 'optB2']);
  const [m0, m1, m2] = adv.members as [Network, Network, Network];
  assert.deepEqual(part(m1, false), part(m0, false), 'the same encoder');
  assert.notDeepEqual(part(m1, true), part(m0, true), 'heads of their own seeds');
  assert.notDeepEqual(part(m2, true), part(m1, true));

  // f_A's L_B: the mean over the 2N anchors of the lowest member loss, computed here by hand.
  const images = imageSet(8);
  const idx = [0, 1, 2, 3];
  n.fA.train();
  adv.train(false);
  let each: number[] = [];
  const b1 = await views(images, idx, c, new Rng('t', 1));
  const LB = adv.anonymizerLoss(n.fA, b1, 0, (l) => (each = l));
  assert.deepEqual(LB.shape, []);
  const want = T.noGrad(() => {
    const v1 = n.fA.forward(tensorOf(b1, 0, 0));
    const v2 = n.fA.forward(tensorOf(b1, 0, 1));
    const per = adv.members.map((fB) => ntXent(fB.forward(v1), fB.forward(v2), c.temperature, 'none'));
    assert.deepEqual(per[0]?.shape, [8], 'one loss per anchor: 2N');
    const min = per.reduce((a, b) => T.minimum(a, b));
    return { min: min.mean().item(), means: per.map((p) => p.mean().item()) };
  });
  assert.ok(Math.abs(LB.item() - want.min) < 1e-5, `${LB.item()} vs ${want.min}`);
  assert.equal(each.length, 3);
  each.forEach((l, m) => assert.ok(Math.abs(l - (want.means[m] as number)) < 1e-5));
  assert.ok(LB.item() <= Math.min(...each) + 1e-6, 'per-anchor minimum is no weaker than the best member');
  // The gradient reaches f_A, and none reaches the frozen members.
  LB.backward();
  const gA = n.fA.parameters().reduce((s, p) => s + (p.grad ? p.grad.abs().sum().item() : 0), 0);
  assert.ok(gA > 0, 'f_A gets a gradient');
  for (const m of adv.members) assert.ok(m.parameters().every((p) => p.grad === null));
  adv.unfreeze();

  // One member: exactly the paper's L_B.
  const c1 = tinyConfig();
  const one = new Adversaries(n.fB, T.Adam(n.fB.parameters()), c1);
  const b2 = await views(images, idx, c1, new Rng('t', 2));
  const a = one.anonymizerLoss(n.fA, b2, 0).item();
  const b = privacyLoss(n.fB, n.fA, b2, 0, c1).item();
  assert.equal(a, b);
  adv.dispose();
  one.dispose();
});

test('adversaries: restarts come on schedule, staggered, back to each start (or fresh), with Adam reset and a warm-up', async () => {
  const c = ensemble({ count: 2, reinitEvery: 4, warmup: 2 });
  const n = createNetworks(c, 10);
  const adv = new Adversaries(n.fB, T.Adam(n.fB.parameters(), { lr: c.lrB }), c);
  // Member 0 every 4 batches from batch 4; member 1 offset by half a period (6, 10, ...).
  const due = (m: number): number[] => [...Array(16).keys()].filter((g) => adv.restartsAt(m, g));
  assert.deepEqual(due(0), [4, 8, 12]);
  assert.deepEqual(due(1), [6, 10, 14]);
  const start = adv.members.map((m) => weights(m));
  // Train both members a few steps so they leave their start.
  const images = imageSet(16);
  const rng = new Rng('t', 3);
  adv.train(true);
  for (let i = 0; i < 3; i++) {
    adv.optims.forEach((o) => o.zeroGrad());
    const b = await views(images, [0, 1, 2, 3], c, rng);
    T.tidy(() => adv.trainLoss(n.fA, b, 0).backward());
    T.dispose(b);
    adv.optims.forEach((o) => o.step());
  }
  const moved = adv.members.map((m) => weights(m));
  assert.notDeepEqual(moved[1], start[1]);
  assert.deepEqual(await adv.maybeRestart(5, n.fA, images), [], 'nothing due at batch 5');
  // Without warm-up a restart puts the member back exactly where it started, its Adam state empty.
  const bare = new Adversaries(n.fB, T.Adam(n.fB.parameters()), {
    ...c,
    adversaries: { ...c.adversaries, warmup: 0 },
  });
  const bareStart = weights(bare.members[1] as Network);
  bare.train(true);
  bare.optims.forEach((o) => o.zeroGrad());
  const bb = await views(images, [0, 1, 2, 3], c, rng);
  T.tidy(() => bare.trainLoss(n.fA, bb, 0).backward());
  T.dispose(bb);
  bare.optims.forEach((o) => o.step());
  const before1 = weights(bare.members[1] as Network);
  const logs = await bare.maybeRestart(6, n.fA, images);
  assert.deepEqual(
    logs.map((l) => l.member),
    [1],
  );
  assert.ok(Number.isNaN(logs[0]?.warmupLoss));
  assert.notDeepEqual(weights(bare.members[1] as Network), before1);
  assert.deepEqual(weights(bare.members[1] as Network), bareStart, 'member 1 back at its own start');
  assert.deepEqual(Object.keys((bare.optims[1] as T.Optimizer).stateDict().tensors), [], 'Adam reset');
  bare.dispose();

  // With warm-up: the restarted member trains alone for 2 batches (it leaves its start, f_A does not move).
  const fA0 = weights(n.fA);
  const r = await adv.maybeRestart(4, n.fA, images);
  assert.deepEqual(
    r.map((l) => l.member),
    [0],
  );
  assert.ok(Number.isFinite(r[0]?.warmupLoss));
  assert.notDeepEqual(weights(adv.members[0] as Network), start[0]);
  assert.notDeepEqual(weights(adv.members[0] as Network), moved[0]);
  assert.deepEqual(weights(adv.members[1] as Network), moved[1], 'member 1 untouched');
  assert.deepEqual(weights(n.fA), fA0, 'f_A frozen during the warm-up');
  assert.ok(
    n.fA.parameters().every((p) => p.requiresGrad),
    'f_A unfrozen again',
  );
  adv.dispose();

  // 'scratch': a fresh network of its own seed, neither the start nor the trained weights.
  const s = { ...c, adversaries: { ...c.adversaries, count: 1, reinitFrom: 'scratch' as const, warmup: 0 } };
  const m = createNetworks(s, 10);
  const pre = weights(m.fB);
  const solo = new Adversaries(m.fB, T.Adam(m.fB.parameters()), s);
  await solo.maybeRestart(4, m.fA, images);
  const fresh1 = weights(m.fB);
  assert.notDeepEqual(fresh1, pre);
  const again = new Adversaries(m.fB, T.Adam(m.fB.parameters()), s);
  await again.maybeRestart(4, m.fA, images);
  assert.deepEqual(weights(m.fB), fresh1, 'the same seed, the same fresh network');
  solo.dispose();
  again.dispose();
});

test('adversaries in the minimax: restarts logged at their batches; a run is deterministic and resumes bit for bit', async () => {
  const d = tinyData();
  // 4 batches an epoch, 2 epochs: member 0 restarts before batch 4, member 1 before batch 6.
  const c = { ...ensemble({ count: 2, reinitEvery: 4, warmup: 1 }), checkpointEvery: 1 };
  const restarts: [number, string][] = [];
  const run = async (dir: string, stop = Infinity) => {
    const n = createNetworks(c, 10);
    let k = 0;
    const r = await trainMinimax(n, d, c, {
      dir,
      resume: true,
      tick: () => {
        if (++k === stop) throw new Error('stopped');
      },
      onStep: (s) => {
        for (const key of Object.keys(s.losses)) if (/^restart\d$/.test(key)) restarts.push([s.step, key]);
        if (s.phase === 1) {
          assert.ok('LB0' in s.losses && 'LB1' in s.losses, 'each member logged');
          assert.ok(
            (s.losses.LB as number) <= Math.min(s.losses.LB0 as number, s.losses.LB1 as number) + 1e-5,
          );
        }
      },
    });
    return { r, n };
  };
  const a = await run(join(tempDir(), 'a'));
  assert.deepEqual(restarts, [
    [4, 'restart0'],
    [6, 'restart1'],
  ]);
  const b = await run(join(tempDir(), 'b'));
  assert.deepEqual(weights(b.n.fA), weights(a.n.fA), 'the same seed, the same f_A');
  assert.deepEqual(b.r.history, a.r.history);
  // Killed after batch 5 (member 0 restarted, member 1 not yet), resumed: the same end.
  const dir = join(tempDir(), 'c');
  await assert.rejects(() => run(dir, 6), /stopped/);
  const resumed = await run(dir);
  assert.deepEqual(weights(resumed.n.fA), weights(a.n.fA));
  assert.deepEqual(resumed.r.history, a.r.history);
});

test('adversaries config: checked at the boundary', () => {
  const bad = (o: object, re: RegExp): void =>
    assert.throws(
      () => validateConfig(tinyConfig({ adversaries: { ...tinyConfig().adversaries, ...o } })),
      re,
    );
  bad({ count: 0 }, /adversaries\.count/);
  bad({ count: 1.5 }, /adversaries\.count/);
  bad({ reinitEvery: -1 }, /adversaries\.reinitEvery/);
  bad({ warmup: -2 }, /adversaries\.warmup/);
  bad({ reinitFrom: 'imagenet' }, /adversaries\.reinitFrom/);
  assert.equal(validateConfig(ensemble({ reinitEvery: 10, warmup: 3 })).adversaries.count, 3);
});

test('a run saved before the adversaries existed resumes: its config reads as the paper (one f_B)', async () => {
  const d = tinyData();
  const c = tinyConfig({ epochs: 1 });
  const dir = tempDir();
  await trainMinimax(createNetworks(c, 10), d, c, { dir, resume: false });
  // Rewrite its state as an older veil wrote it: no `adversaries` in the config.
  const last = join(dir, 'last.safetensors');
  const { tensors, metadata } = T.loadSafetensors(last);
  const old = JSON.parse(metadata.config ?? '{}') as Record<string, unknown>;
  delete old.adversaries;
  T.saveSafetensors(last, tensors, { ...metadata, config: JSON.stringify(old) });
  const more = { ...c, epochs: 2 };
  const r = await trainMinimax(createNetworks(more, 10), d, more, { dir, resume: true });
  assert.equal(r.history.length, 2);
  // Another adversary setting is another run: refused.
  const other = { ...more, epochs: 3, adversaries: { ...more.adversaries, count: 2 } };
  await assert.rejects(
    () => trainMinimax(createNetworks(other, 10), d, other, { dir, resume: true }),
    /saved by a run with another config/,
  );
});
