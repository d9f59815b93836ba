import assert from 'node:assert/strict';
import { test } from 'node:test';

import { minimaxRuns } from '../../src/runs/experiment.js';
import { ABLATION_B, demoConfig, STUDIES } from '../../src/runs/presets.js';

test('the studies: main runs SPAct and the sweep; calibration no method; ablations one change each at one B', () => {
  assert.deepEqual(STUDIES, ['main', 'calibration', 'ablations']);
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
