// Where a run's files are (metrics.csv, event files, fA.safetensors): the folder the registry
// recorded, or, for runs recorded before the registry kept it, the folder the command that made
// it writes (`veil train`: runs/<name>; `veil demo`: the folder its experiment gave that method).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { type ExperimentConfig, minimaxRuns } from './experiment.js';
import type { RunRow } from './registry.js';

/** The run's folder, absolute; null when it has none (an eval or an experiment) or it is gone. */
export function runDir(workspace: string, run: RunRow, all: readonly RunRow[]): string | null {
  if (run.dir !== null) {
    const d = resolve(workspace, run.dir);
    return existsSync(d) ? d : null;
  }
  if (run.kind !== 'minimax') return null;
  // The experiment that started it: the last one recorded before it.
  const exp = all.filter((r) => r.kind === 'experiment' && r.id < run.id).at(-1);
  if (exp) {
    try {
      for (const m of minimaxRuns(exp.config as ExperimentConfig)) {
        const seed = new RegExp(
          `^${m.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(minimax seed (\\d+)\\)$`,
        ).exec(run.name);
        const k = run.name === m.name ? 0 : seed ? Number(seed[1]) : -1;
        if (k < 0) continue;
        const d = join(workspace, 'runs', k === 0 ? m.dir : `${m.dir}-seed${k}`);
        if (existsSync(d)) return d;
      }
    } catch {
      // a config from another version: try the train command's folder
    }
  }
  const d = join(workspace, 'runs', run.name);
  return /^[\w.,=() -]+$/.test(run.name) && existsSync(d) ? d : null;
}
