import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { Registry } from '../../src/runs/registry.js';
import { tempDir } from '../helpers.js';

test('run registry: runs, epochs and results survive reopening the workspace file', () => {
  const ws = tempDir();
  const r = Registry.forWorkspace(ws);
  const id = r.startRun('minimax', 'veil, B = 0.3', { B: 0.3, lambda: 1 });
  r.logEpoch(id, 0, { LT: 2.1, valTop1: 0.5 });
  r.logEpoch(id, 1, { LT: 1.7, valTop1: 0.75 });
  r.logResult(id, 'veil, B = 0.3', 0, { top1: 0.9, cmap: 0.6 });
  r.logResult(id, 'veil, B = 0.3', 1, { top1: 0.8, cmap: 0.7 });
  r.finishRun(id, 'done');
  r.close();

  const again = new Registry(join(ws, 'runs.sqlite'));
  const [run] = again.runs();
  assert.equal(run?.status, 'done');
  assert.deepEqual(run?.config, { B: 0.3, lambda: 1 });
  assert.deepEqual(
    again
      .epochs(id)
      .filter((e) => e.metric === 'valTop1')
      .map((e) => e.value),
    [0.5, 0.75],
  );
  assert.equal(again.results(id).length, 4);
  assert.throws(() => again.run(42), /no run 42/);
  again.close();
});
