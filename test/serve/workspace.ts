// A small workspace written by veil's own writers (the registry, RunLog, a real f_A checkpoint),
// for the server's tests that need no trained model: a minimax run with its metrics.csv, event
// files and frame grid, and, beside the workspace, a secret no request may reach (through a
// symlinked folder, a symlinked file, or any spelling of '..').
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Registry } from '../../src/runs/registry.js';
import { RunLog } from '../../src/runs/run_log.js';
import { encodePng } from '../../src/runs/follow.js';
import { tempDir } from '../helpers.js';

export const SECRET = 'TOP-SECRET-3f9a1c-not-for-http';

export interface TestWorkspace {
  root: string;
  ws: string;
  outside: string;
  runId: number;
  runDir: string;
  /** Logs one more epoch of the run (registry, metrics.csv, events with a frame grid). */
  epoch(e: number): void;
  close(): void;
}

export function testWorkspace(o: { running?: boolean } = {}): TestWorkspace {
  const root = tempDir('veil-serve-ws-');
  const ws = join(root, 'ws');
  const outside = join(root, 'outside');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'secret.txt'), SECRET);
  writeFileSync(join(outside, 'secret.onnx'), SECRET);
  const runDir = join(ws, 'runs', 'r1');
  mkdirSync(runDir, { recursive: true });
  const reg = new Registry(join(ws, 'runs.sqlite'));
  const runId = reg.startRun('minimax', 'r1', { B: 0.1, lambda: 1 }, runDir);
  const log = new RunLog(runDir);
  const epoch = (e: number): void => {
    for (let s = 0; s < 4; s++) {
      const step = e * 4 + s;
      log.step(step, { LA: 1 / (step + 1), lambda: 1 }, e);
      log.step(step, { LT2: 2 - step * 0.05, LB2: 3 - step * 0.1 }, e);
    }
    const m = {
      LA: 1 / (e + 1),
      rms: 0.2 - e * 0.01,
      B: 0.1,
      valTop1: 0.3 + e * 0.05,
      valPrivacyMatch: 0.8 - e * 0.05,
      valRms: 0.15,
    };
    reg.logEpoch(runId, e, m);
    log.epoch(e, e * 4 + 3, m);
    const rgb = new Uint8Array(16 * 8 * 3).map((_, i) => (i * 7 + e * 40) % 256);
    log.image('frames/raw-top-anonymized-bottom', encodePng(rgb, 16, 8), 8, 16, e * 4 + 3);
    log.flush();
  };
  epoch(0);
  if (!o.running) reg.finishRun(runId, 'done');
  mkdirSync(join(ws, 'report'));
  writeFileSync(join(ws, 'report', 'report.md'), '# report\n');
  writeFileSync(join(ws, '.hidden'), SECRET);
  symlinkSync(outside, join(ws, 'link-out'));
  symlinkSync(join(outside, 'secret.txt'), join(runDir, 'secret-link.txt'));
  symlinkSync(join(outside, 'secret.onnx'), join(ws, 'secret-link.onnx'));
  return {
    root,
    ws,
    outside,
    runId,
    runDir,
    epoch,
    close: () => {
      log.close();
      reg.close();
    },
  };
}
