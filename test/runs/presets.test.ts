import assert from 'node:assert/strict';
import { test } from 'node:test';

import { minimaxRuns } from '../../src/runs/experiment.js';
import { validateConfig } from '../../src/method/config.js';
import { anonymizerFile, minimaxRuns as runsOf } from '../../src/runs/experiment.js';
import { ABLATION_B, BEYOND_GOAL, demoConfig, STUDIES } from '../../src/runs/presets.js';

test('the studies: main runs SPAct and the sweep; calibration no method; ablations one change each at one B', () => {
  assert.deepEqual(STUDIES, ['main', 'calibration', 'ablations', 'beyond']);
  for (const quick of [true, false]) {
    const main = demoConfig('/ws', { quick });
    const runs = minimaxRuns(main);
    assert.deepEqual(
      runs.map((r) => r.kind),
      ['spact', ...main.sweep.map(() => 'veil')],
    );
    assert.equal(runs[0]?.method.lambda, 0, 'SPAct is lambda 0');

    const cal = demoConfig('/ws', { quick, study: 'calibration' });
    assert.deepEqual(minimaxRuns(cal), []);
    assert.equal(cal.methodBackbones, null, 'no method: no method backbones');
    assert.deepEqual(
      cal.data,
      main.data,
      'the same SynthPAR: a calibration workspace is reused by the main study',
    );
    assert.deepEqual(cal.backbones, main.backbones, "and so are the judges' backbones");

    const abl = demoConfig('/ws', { quick, study: 'ablations' });
    const all = minimaxRuns(abl);
    assert.deepEqual(all.slice(0, runs.length), runs, 'the main study first, unchanged');
    const extra = all.slice(runs.length);
    assert.ok(extra.length >= 5);
    assert.equal(new Set(all.map((r) => r.dir)).size, all.length, 'every run has its own folder');
    const changed = (m: (typeof extra)[number]['method']): string[] =>
      (Object.keys(m) as (keyof typeof m)[]).filter(
        (k) => JSON.stringify(m[k]) !== JSON.stringify({ ...abl.method, B: ABLATION_B }[k]),
      );
    const what = extra.map((r) => {
      assert.equal(r.kind, 'ablation');
      assert.equal(r.B, ABLATION_B);
      return changed(r.method).join(',');
    });
    // One thing changed at a time: the penalty's gradient, lambda (three values), lambda's rule.
    assert.deepEqual(what, ['penaltyGrad', 'lambda', 'lambda', 'lambda', 'lambdaRule']);
    assert.deepEqual(
      extra.map((r) => r.method.lambda),
      [1, 0.3, 3, 10, 1],
    );
  }
});

test('the beyond study: the paper at one B, then each variant with one mechanism (or all) on the dual lambda, and the goal', () => {
  for (const quick of [true, false]) {
    const main = demoConfig('/ws', { quick });
    const abl = demoConfig('/ws', { quick, study: 'ablations' });
    const b = demoConfig('/ws', { quick, study: 'beyond' });
    assert.deepEqual(b.goal, BEYOND_GOAL);
    assert.deepEqual(BEYOND_GOAL, { top1Points: 5, cmapPoints: 10 });
    assert.equal(main.goal, null);
    assert.deepEqual(b.data, main.data, 'the same SynthPAR, backbones and judges: one workspace');
    assert.deepEqual(b.backbones, main.backbones);
    assert.deepEqual(b.protocol, main.protocol);
    assert.equal(b.minimaxSeeds, main.minimaxSeeds);
    const runs = runsOf(b);
    const paper = runs[0];
    assert.equal(paper?.name, `veil, B = ${ABLATION_B}`);
    assert.equal(paper?.dir, `veil-B${ABLATION_B}`, "the main study's folder: reused");
    const dual = runs[1];
    const ablDual = minimaxRuns(abl).find((r) => r.name === dual?.name);
    assert.deepEqual(dual?.method, ablDual?.method, "the reference is the ablations' dual row, reused");
    assert.equal(dual?.dir, ablDual?.dir);
    const variants = runs.slice(2);
    assert.equal(variants.length, 5);
    assert.equal(new Set(runs.map((r) => r.dir)).size, runs.length);
    for (const r of runs) validateConfig(r.method);
    // What each variant changes from the dual reference.
    const changed = variants.map((r) =>
      (['adversaries', 'fA', 'distortion'] as const).filter(
        (k) => JSON.stringify(r.method[k]) !== JSON.stringify(dual?.method[k]),
      ),
    );
    assert.deepEqual(changed, [
      ['adversaries'],
      ['adversaries'],
      ['fA'],
      ['adversaries', 'fA'],
      ['distortion'],
    ]);
    assert.equal(variants[4]?.method.distortion, 'motion');
    assert.equal(dual?.method.distortion, undefined, "the paper's RMS: absent from every other run's config");
    assert.deepEqual(
      variants.map((r) => [r.method.adversaries.count, r.method.adversaries.reinitEvery > 0]),
      [
        [3, false],
        [1, true],
        [1, false],
        [3, true],
        [1, false],
      ],
    );
    const motion = variants[2]?.method;
    assert.equal(motion?.fA.name, 'unet-motion');
    assert.equal(motion?.fA.options.gap, b.method.clip.stride);
    // The motion f_A has a pre-trained identity of its own; the others share the method's.
    assert.equal(anonymizerFile(b.method, b.method.fA), 'fA.safetensors');
    assert.match(
      anonymizerFile(b.method, motion?.fA ?? b.method.fA),
      /^fA-unet-motion-[0-9a-f]+\.safetensors$/,
    );
    // Restarts come within the training (about 7 batches an epoch quick, 39 full).
    const batches = quick ? 7 : 39;
    const every = variants[1]?.method.adversaries.reinitEvery ?? 0;
    assert.ok(every > 0 && every < batches * b.method.epochs, `restart every ${every}`);
  }
});
