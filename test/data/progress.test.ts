// veil's one progress bar (src/data/progress.ts) as the data jobs, the training pipeline and
// `veil anonymize` draw it: in a log and on a terminal, with and without a total, over phases.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';

import { Progress } from '../../src/data/progress.js';
import { Progress as PhaseProgress } from '../../src/runs/progress.js';

/** A sink that keeps what is written, and a clock the test moves. */
function setup(isTTY = false): {
  out: PassThrough & { isTTY?: boolean };
  text: () => string;
  clock: { t: number };
} {
  const out: PassThrough & { isTTY?: boolean } = new PassThrough();
  out.isTTY = isTTY;
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  return { out, text: () => text, clock: { t: 0 } };
}

test('in a log: a line per tenth, one every few seconds in between, one at the end', () => {
  const { out, text, clock } = setup();
  const p = new Progress(1000, {
    label: 'clips',
    unit: 'clips',
    stream: out,
    now: () => clock.t,
    logEvery: 5000,
  });
  for (let i = 0; i < 50; i++) {
    clock.t += 1000;
    p.tick(); // 50 clips in 50 s: never a tenth, so a line every 5 s
  }
  assert.equal(text().trim().split('\n').length, 10);
  p.tick(950);
  p.finish(); // the last line already says 1000/1000: nothing more
  const lines = text().trim().split('\n');
  assert.equal(lines.length, 11);
  assert.equal(lines.at(-1), 'clips [########################] 1000/1000 20.0 clips/s in 0:50');
});

test('an unknown total: count, rate and time so far; a status on the last line', () => {
  const { out, text, clock } = setup();
  const p = new Progress(null, { label: '<stdin>', unit: 'frames', stream: out, now: () => clock.t });
  clock.t = 4000;
  p.tick(100);
  assert.equal(p.line(), '<stdin> 100 frames 25.0 frames/s in 0:04');
  assert.equal(text(), '', 'no tenths without a total: only the clock prints');
  p.end('done');
  assert.equal(text(), '<stdin> 100 frames 25.0 frames/s in 0:04 done\n');
});

test('phases: start() relabels and restarts; a total outrun grows to the count', () => {
  const { out, text, clock } = setup();
  const p = new Progress(null, { label: '', unit: 'frames', stream: out, now: () => clock.t });
  p.start('a.mp4', 10);
  clock.t = 1000;
  p.tick(12); // the header's frame count was an estimate
  assert.equal(p.total, 12);
  p.end('done');
  p.start('b.mp4', 4);
  assert.equal(p.line(), 'b.mp4 [........................] 0/4 0.0 frames/s ETA --:--');
  clock.t = 3000;
  p.tick(2);
  p.end('failed');
  assert.deepEqual(text().trim().split('\n'), [
    'a.mp4 [########################] 12/12 12.0 frames/s in 0:01',
    'a.mp4 [########################] 12/12 12.0 frames/s in 0:01 done',
    'b.mp4 [############............] 2/4 1.0 frames/s ETA 0:02',
    'b.mp4 [############............] 2/4 1.0 frames/s ETA 0:02 failed',
  ]);
});

test('on a terminal: one line redrawn at most ten times a second, phase lines above it', () => {
  const { out, text, clock } = setup(true);
  const p = new Progress(100, { label: 'veil', unit: 'steps', stream: out, now: () => clock.t });
  p.phase('pre-training');
  for (let i = 0; i < 10; i++) {
    clock.t += 10;
    p.tick();
  }
  p.phase('pre-training');
  p.phase('minimax');
  p.tick(90);
  p.finish();
  const s = text();
  assert.equal((s.match(/\r/g) ?? []).length, 3, 'drawn at 10 ms, at the end of the phase and at finish');
  assert.ok(s.startsWith(`-- pre-training\n\rveil [${'.'.repeat(24)}] 1/100 `), s);
  assert.ok(s.includes(`\x1b[K\n-- minimax\n\rveil [${'#'.repeat(24)}] 100/100 `), s);
  assert.ok(s.endsWith('\x1b[K\n'));
});

test('a null stream counts and draws nothing', () => {
  const p = new Progress(3, { label: 'quiet', stream: null });
  p.phase('x');
  p.tick(3);
  p.end('done');
  assert.match(p.line(), /^quiet \[#{24}\] 3\/3 /);
});

test("the pipeline's phase bar: new Progress(label, total), tick(what, n), finish()", () => {
  const write = process.stderr.write;
  let text = '';
  process.stderr.write = ((s: string) => ((text += s), true)) as typeof process.stderr.write;
  try {
    const p = new PhaseProgress('veil', 4);
    p.tick('pre-training');
    p.tick('pre-training', 2);
    p.tick('minimax');
    p.finish();
  } finally {
    process.stderr.write = write;
  }
  const phases = text.split('\n').filter((l) => l.startsWith('-- '));
  assert.deepEqual(phases, ['-- pre-training', '-- minimax']);
  assert.match(text, /veil \[#{24}\] 4\/4 [\d.]+ steps\/s in /);
});
