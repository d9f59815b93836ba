// The training pipeline's progress: one bar of steps (src/data/progress.ts) that also says, with a
// line whenever it changes, what the run is doing (pre-training, minimax step 1 or 2, which judge).
import { Progress as Line } from '../data/progress.js';

/** What a pipeline ticks: a Progress here, or a lane's messages to the process that draws (lanes.ts). */
export interface Bar {
  tick(what?: string, n?: number): void;
  finish(): void;
}

export class Progress implements Bar {
  private readonly bar: Line;

  /** `quiet`: count, draw nothing (--quiet). */
  constructor(label: string, total: number, o: { quiet?: boolean } = {}) {
    this.bar = new Line(total, { label, unit: 'steps', stream: o.quiet ? null : undefined });
  }

  tick(what = '', n = 1): void {
    this.bar.phase(what);
    this.bar.tick(n);
  }

  finish(): void {
    this.bar.finish();
  }
}

/** Where a long pipeline says what it does: notes and progress bars, or nothing (--quiet). */
export interface RunOutput {
  log(s: string): void;
  bar(label: string, total: number): Bar;
}

export const CONSOLE: RunOutput = {
  log: (s) => console.error(s),
  bar: (label, total) => new Progress(label, total),
};

export const SILENT: RunOutput = {
  log: () => {},
  bar: (label, total) => new Progress(label, total, { quiet: true }),
};

/**
 * One task's view of a bar that several tasks tick at once (the lanes of an experiment): its steps
 * count on `bar`, its notes go to `log`, and a phase line is printed when this task's own phase
 * changes, not each time another task's tick comes between two of its own.
 */
export function shareBar(bar: Bar, log: (s: string) => void, prefix = ''): RunOutput {
  let last = '';
  const view: Bar = {
    tick(what = '', n = 1) {
      bar.tick(what === last ? '' : prefix + what, n);
      last = what;
    },
    finish: () => {},
  };
  return { log, bar: () => view };
}
