// Lanes: a task run in a child process gives exactly what the same task gives in this process (with
// as many threads as a lane has), its progress and scores arrive here while it runs, its errors
// keep their class, and a lane that dies fails its task instead of hanging the experiment.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';

import { UsageError } from '../../src/data/errors.js';
import type { BackboneConfig } from '../../src/runs/backbones.js';
import { ensureSynthPAR } from '../../src/runs/data.js';
import type { JudgeArgs, TaskIO } from '../../src/runs/lane_tasks.js';
import { Lanes } from '../../src/runs/lanes.js';
import { demoConfig } from '../../src/runs/presets.js';
import { shareBar } from '../../src/runs/progress.js';
import * as T from '../../src/torch/index.js';
import { tempDir } from '../helpers.js';
import { READER } from '../method/fixtures.js';

const twoCores = T.maxThreads() >= 2;
const ws = tempDir('veil-lanes-');
const c = demoConfig(ws, { quick: true });
const data = { ...c.data, clips: 40, images: 48, width: 16, height: 16, frames: 8, seed: 5 };
const ref = { root: join(ws, 'synthpar'), data, valEvery: 4 };
const narrow = { width: 4 };
const protocol = {
  ...c.protocol,
  actionOptions: narrow,
  attackerOptions: narrow,
  clip: { frames: 4, stride: 1, size: 16 },
  imageSize: 16,
  actionEpochs: 1,
  headEpochs: 0,
  attackerEpochs: 2,
  clipsPerBatch: 4,
  imagesPerBatch: 8,
  testClips: 2,
  autocast: false,
};
const judge = (baseline: string): JudgeArgs => ({
  ref,
  protocol,
  anonymizer: { baseline },
  kind: 'baseline',
  B: null,
  seeds: 2,
  firstSeed: 0,
  show: 2,
});

/** A TaskIO that keeps what the task reported. */
function listen(): TaskIO & { ticks: string[]; seeds: number[] } {
  const ticks: string[] = [];
  const seeds: number[] = [];
  return {
    ticks,
    seeds,
    out: { log: () => {}, bar: () => ({ tick: (w = '') => ticks.push(w), finish: () => {} }) },
    record: (seed) => seeds.push(seed),
  };
}

test(
  'a judge in a lane equals the same judge in this process, bit for bit',
  { skip: !twoCores },
  async () => {
    await ensureSynthPAR(ref.root, data);
    const lanes = new Lanes(2, READER);
    const here = new Lanes(1, READER);
    const threads = T.getNumThreads();
    try {
      const io = listen();
      const inLane = await lanes.run('judge', judge('downsample 2x'), io);
      assert.deepEqual(io.seeds, [0, 1], 'each seed scored, as it was judged');
      assert.ok(
        io.ticks.some((w) => /downsample 2x, seed 1: privacy attacker/.test(w)),
        io.ticks.at(-1),
      );
      // A lane has cores / lanes threads: this process judges with as many.
      T.setNumThreads(Math.floor(T.maxThreads() / 2));
      const inHere = await here.run('judge', judge('downsample 2x'), listen());
      assert.deepEqual(inLane.result, inHere.result);
      assert.equal(inLane.shown.length, 2);
      assert.deepEqual(inLane.shown, inHere.shown);
      assert.ok(inLane.shown[0] instanceof Uint8Array);
      const info = await lanes.run('info', ref, listen());
      assert.ok(info.testLabels.length > 0 && info.trainVideos > 0 && info.trainImages > 0);
      assert.equal(info.classes.length, 10);
    } finally {
      T.setNumThreads(threads);
      await lanes.close();
      await here.close();
    }
  },
);

test(
  'a lane keeps errors in their class and takes the next task after one',
  { skip: !twoCores },
  async () => {
    await ensureSynthPAR(ref.root, data);
    const lanes = new Lanes(2, READER);
    try {
      await assert.rejects(
        lanes.run('judge', judge('pixelate 8x'), listen()),
        /no baseline named 'pixelate 8x'/,
      );
      const b = { ...(c.backbones as BackboneConfig), clips: 3, clipsPerBatch: 16 };
      const dir = join(ws, 'backbones-small');
      const e = await lanes.run('backbones', { dir, data, protocol, b }, listen()).catch((x: unknown) => x);
      assert.ok(e instanceof UsageError, String(e));
      assert.equal(e.exitCode, 2);
      assert.match(e.message, /--backbone-clips 3: .* make no batch of 16/);
      assert.equal((await lanes.run('info', ref, listen())).classes.length, 10);
    } finally {
      await lanes.close();
    }
  },
);

test(
  'a lane that dies fails its task with its name, and the lanes still close',
  { skip: !twoCores },
  async () => {
    await ensureSynthPAR(ref.root, data);
    const lanes = new Lanes(2, READER);
    const running = lanes.run('judge', judge('raw data'), listen());
    (lanes as unknown as { children: ChildProcess[] }).children[0]?.kill('SIGKILL');
    await assert.rejects(running, /lane 1 of 2 was killed \(SIGKILL\) during its judge task/);
    await lanes.close();
  },
);

test('more lanes than cores is a usage error naming --lanes', () => {
  assert.throws(
    () => new Lanes(T.maxThreads() + 1, READER),
    (e: unknown) =>
      e instanceof UsageError && /--lanes \d+: more lanes than this machine's \d+ cores/.test(e.message),
  );
  assert.throws(() => new Lanes(0, READER), /--lanes: expected a positive integer, got 0/);
});

test('two tasks ticking one bar each print a phase line only when their own phase changes', () => {
  const calls: [string, number][] = [];
  const bar = { tick: (w = '', n = 1) => void calls.push([w, n]), finish: () => {} };
  const a = shareBar(bar, () => {}).bar('judges', 0);
  const b = shareBar(bar, () => {}, 'novel: ').bar('judges', 0);
  a.tick('raw, seed 0: action judge');
  b.tick('SPAct, seed 0: action judge');
  a.tick('raw, seed 0: action judge');
  b.tick('SPAct, seed 0: action judge', 2);
  a.tick('raw, seed 0: privacy attacker');
  assert.deepEqual(calls, [
    ['raw, seed 0: action judge', 1],
    ['novel: SPAct, seed 0: action judge', 1],
    ['', 1],
    ['', 2],
    ['raw, seed 0: privacy attacker', 1],
  ]);
});
