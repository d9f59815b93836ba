// The goal of "Beyond the paper": its check on the table's means and its two lines on the plot.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { checkLine } from '../../src/eval/report/checks.js';
import { privacyUtilitySvg } from '../../src/eval/report/plots.js';
import { goalCheck, goalLines } from '../../src/eval/stats.js';
import { BEYOND_GOAL } from '../../src/runs/presets.js';
import { row } from './rows.js';

const PRIORS = 0.396;
const raw = row('raw data', 'baseline', null, [0.957, 0.93, 0.98], [0.915, 0.895, 0.934]);
const blackening = row('obfuscation: blackening', 'baseline', null, [0.16, 0.11, 0.21], [0.45, 0.43, 0.47]);

test('goal: PASS only when one learned row is within 5 points of raw AND within 10 of the priors', () => {
  const lines = goalLines([raw], PRIORS, BEYOND_GOAL);
  assert.ok(lines && Math.abs(lines.top1 - 0.907) < 1e-9 && Math.abs(lines.cmap - 0.496) < 1e-9);
  // The paper's row hides much but loses action; a variant keeps action but leaks; neither meets it.
  const paper = row('veil, B = 0.1', 'veil', 0.1, [0.867, 0.83, 0.9], [0.665, 0.64, 0.69]);
  const leaky = row(
    'veil, B = 0.1, dual lambda, motion f_A',
    'ablation',
    0.1,
    [0.95, 0.92, 0.97],
    [0.8, 0.78, 0.82],
  );
  const [fail] = goalCheck([raw, blackening, paper, leaky], PRIORS, BEYOND_GOAL);
  assert.equal(fail?.passed, false);
  assert.match(
    fail!.what,
    /^goal \(beyond the paper\): action top-1 within 5 points of raw and cMAP within 10 points of the attribute priors \(39\.6%\)/,
  );
  assert.match(fail!.measured, /lines at top-1 90\.7% and cMAP 49\.6%/);
  assert.match(
    fail!.measured,
    /veil, B = 0\.1 \(top-1 86\.7% \[83\.0, 90\.0\]: 4\.0 points short; cMAP 66\.5% \[64\.0, 69\.0\]: 16\.9 points too high\)/,
  );
  assert.match(
    fail!.measured,
    /motion f_A \(top-1 95\.0% .*: met by 4\.3; cMAP 80\.0% .*: 30\.4 points too high\)/,
  );
  assert.ok(
    fail!.measured.indexOf('veil, B = 0.1 (') < fail!.measured.indexOf('motion f_A'),
    'the closest first',
  );
  assert.doesNotMatch(
    fail!.measured,
    /blackening/,
    'baselines are not candidates (blackening hides but is no anonymizer learned here)',
  );
  // A row that meets both halves passes it.
  const good = row(
    'veil, B = 0.1, dual lambda, 3 f_B (ensemble)',
    'ablation',
    0.1,
    [0.92, 0.9, 0.95],
    [0.48, 0.46, 0.5],
  );
  const [pass] = goalCheck([raw, paper, good], PRIORS, BEYOND_GOAL);
  assert.ok(pass?.passed);
  assert.match(
    checkLine(pass!),
    /^PASS goal .*\(ensemble\) \(top-1 92\.0% .*: met by 1\.3; cMAP 48\.0% .*: met by 1\.6\)/,
  );
  // Without raw data there is no line to measure against.
  assert.equal(goalCheck([paper], PRIORS, BEYOND_GOAL)[0]?.passed, false);
});

test('goal: the plot draws its two lines where the check puts them, and none without a goal', () => {
  const pct = (lo: number, hi: number) => ({ mean: (lo + hi) / 2, std: 0, n: 2, ci: { low: lo, high: hi } });
  const tableRow = (method: string, kind: string, t: [number, number], c: [number, number]) => ({
    method,
    kind,
    B: null,
    top1: pct(...t),
    cmap: pct(...c),
    f1: pct(0.5, 0.5),
    f1LogitAbove05: pct(0.5, 0.5),
    top1Drop: 0,
    cmapDrop: 0,
  });
  const rows = [
    tableRow('raw data', 'baseline', [0.94, 0.96], [0.9, 0.92]),
    tableRow('v', 'ablation', [0.8, 0.9], [0.6, 0.7]),
  ];
  const methods = [
    { method: 'raw data', kind: 'baseline', B: null, top1: [0.95, 0.95], cmap: [0.91, 0.91] },
    { method: 'v', kind: 'ablation', B: 0.1, top1: [0.85, 0.85], cmap: [0.65, 0.65] },
  ];
  const chance = { top1: 0.1, cmap: PRIORS };
  const svg = privacyUtilitySvg(methods, chance, rows as never, BEYOND_GOAL);
  assert.match(svg, /goal: top-1 &gt;= raw - 5|goal: top-1 >= raw - 5/);
  assert.match(svg, /goal: cMAP &lt;= priors \+ 10|goal: cMAP <= priors \+ 10/);
  const plain = privacyUtilitySvg(methods, chance, rows as never);
  assert.doesNotMatch(plain, /goal:/);
});
