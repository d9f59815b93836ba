import assert from 'node:assert/strict';
import { test } from 'node:test';

import { attributeMetrics, averagePrecision, f1, meanSoftmax, top1 } from '../../src/method/metrics.js';

const close = (a: number, b: number, tol = 1e-9): void => assert.ok(Math.abs(a - b) < tol, `${a} != ${b}`);

test('average precision by hand (and scikit-learn on ties)', () => {
  // Ranked: + - + -: precision at the two hits 1 and 2/3, recall steps 1/2 each: (1 + 2/3) / 2.
  close(averagePrecision([0.9, 0.8, 0.7, 0.1], [1, 0, 1, 0]), (1 + 2 / 3) / 2);
  close(averagePrecision([0.1, 0.2, 0.3], [1, 1, 1]), 1);
  // All scores tied: one threshold, precision = prevalence (sklearn gives 0.5 here).
  close(averagePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 1, 0]), 0.5);
  // sklearn: average_precision_score([0,0,1,1], [0.1,0.4,0.35,0.8]) = 0.8333...
  close(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]), 0.8333333333333333);
  assert.ok(Number.isNaN(averagePrecision([0.3], [0])));
});

test('F1, top-1 and the mean softmax over clips', () => {
  close(f1([true, true, false, false], [1, 0, 1, 0]), 0.5);
  close(f1([false, false], [0, 0]), 0);
  close(
    top1(
      [
        [0.1, 0.9],
        [0.8, 0.2],
        [0.3, 0.7],
      ],
      [1, 1, 1],
    ),
    2 / 3,
  );
  const p = meanSoftmax([
    [0, 0],
    [Math.log(3), 0],
  ]);
  close(p[0] as number, (0.5 + 0.75) / 2);
  close(p[1] as number, (0.5 + 0.25) / 2);
});

test('cMAP skips attributes without positives; F1 at sigmoid 0.5 and the logits > 0.5 variant', () => {
  const logits = [
    [2, 0.3, -1],
    [-1, 0.2, -2],
    [0.4, -0.5, -3],
  ];
  const labels = [new Uint8Array([1, 1, 0]), new Uint8Array([0, 0, 0]), new Uint8Array([1, 0, 0])];
  const m = attributeMetrics(logits, labels);
  assert.deepEqual(m.skipped, [2]);
  // Attribute 0: ranks +,+,- -> AP 1. Attribute 1: 0.3 (+), 0.2 (-), -0.5 (-) -> AP 1.
  close(m.cmap, 1);
  // sigmoid >= 0.5 (logit >= 0): a0 predicts {0,2} = labels -> 1; a1 predicts {0,1}, one TP one FP -> 2/3; a2 none -> 0.
  close(m.f1, (1 + 2 / 3 + 0) / 3);
  // logits > 0.5: a0 predicts {0} -> 2/3; a1 none -> 0; a2 none -> 0.
  close(m.f1LogitAbove05, 2 / 3 / 3);
});
