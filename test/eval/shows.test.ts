import assert from 'node:assert/strict';
import { test } from 'node:test';

import { whatThisShows } from '../../src/eval/report/shows.js';
import type { StudyRow } from '../../src/eval/stats.js';
import { row } from './rows.js';

const calibrated = (): StudyRow[] => [
  row('raw data', 'baseline', null, [0.96, 0.94, 0.98], [0.93, 0.91, 0.95]),
  row('downsample 2x', 'baseline', null, [0.85, 0.82, 0.88], [0.85, 0.82, 0.88]),
  row('downsample 4x', 'baseline', null, [0.6, 0.56, 0.64], [0.72, 0.69, 0.75]),
  row('obfuscation: blackening', 'baseline', null, [0.55, 0.51, 0.59], [0.6, 0.57, 0.63]),
  row('obfuscation: strong blur', 'baseline', null, [0.65, 0.61, 0.69], [0.7, 0.67, 0.73]),
];

test('what this shows: a calibrated dataset, a claim that holds, SPAct and the ablations compared, budgets', () => {
  const rows = [
    ...calibrated(),
    row('SPAct (lambda 0)', 'spact', null, [0.8, 0.77, 0.83], [0.7, 0.67, 0.73]),
    row('veil, B = 0.1', 'veil', 0.1, [0.93, 0.91, 0.95], [0.66, 0.63, 0.69]),
    row('veil, B = 0.1, lambda 10', 'ablation', 0.1, [0.925, 0.9, 0.95], [0.8, 0.77, 0.83]),
  ];
  const epochs = (...rms: number[]) => rms.map((v) => ({ val: { rms: v } }));
  const lines = whatThisShows(rows, [
    { method: 'veil, B = 0.1', B: 0.1, histories: [epochs(0.12, 0.09), epochs(0.08, 0.07)] },
    { method: 'veil, B = 0.1, lambda 10', B: 0.1, histories: [epochs(0.05, 0.04)] },
  ]);
  const text = lines.join('\n');
  assert.match(text, /The dataset has a trade-off to find/);
  assert.match(text, /downsample 4x 36\.0 \/ 21\.0/, 'points lost, from the rows');
  assert.match(text, /The paper's claim holds at veil, B = 0\.1/);
  assert.match(
    text,
    /veil, B = 0\.1 against SPAct: top-1 \+13\.0, cMAP -4\.0 points; top-1 beyond the intervals/,
  );
  assert.match(
    text,
    /lambda 10 against veil, B = 0\.1 \(the paper's lambda 1\): top-1 -0\.5, cMAP \+14\.0 points; cMAP beyond/,
  );
  assert.match(text, /veil, B = 0\.1: validation RMS within B in 3 of 4 epochs over 2 minimax seed\(s\)/);
  assert.match(text, /lambda 10: validation RMS within B in 2 of 2 epochs .*\(the budget held\)/);
});

test('what this shows: a failed calibration and a dominated veil are said plainly', () => {
  const rows = calibrated().map((r) =>
    r.method === 'downsample 4x'
      ? row('downsample 4x', 'baseline', null, [0.9, 0.88, 0.92], [0.72, 0.69, 0.75])
      : r,
  );
  rows.push(row('veil, B = 0.1', 'veil', 0.1, [0.8, 0.78, 0.82], [0.8, 0.78, 0.82]));
  const text = whatThisShows(rows, []).join('\n');
  assert.match(
    text,
    /The calibration fails\*\* \(downsample 4x lowers action top-1 by >= 20\.0 points from raw;/,
  );
  assert.match(text, /veil, B = 0\.1 is dominated by downsample 4x/);
  assert.match(text, /The paper's claim fails:\*\* every veil B is dominated/);
  // A study of the dataset alone says nothing about a method.
  const alone = whatThisShows(calibrated(), []);
  assert.equal(alone.length, 1);
  assert.match(alone[0] as string, /trade-off to find/);
});
