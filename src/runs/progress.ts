// The training pipeline's progress: one bar of steps (src/data/progress.ts) that also says, with a
// line whenever it changes, what the run is doing (pre-training, minimax step 1 or 2, which judge).
import { Progress as Bar } from '../data/progress.js';

export class Progress {
  private readonly bar: Bar;

  /** `quiet`: count, draw nothing (--quiet). */
  constructor(label: string, total: number, o: { quiet?: boolean } = {}) {
    this.bar = new Bar(total, { label, unit: 'steps', stream: o.quiet ? null : undefined });
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
  bar(label: string, total: number): Progress;
}

export const CONSOLE: RunOutput = {
  log: (s) => console.error(s),
  bar: (label, total) => new Progress(label, total),
};

export const SILENT: RunOutput = {
  log: () => {},
  bar: (label, total) => new Progress(label, total, { quiet: true }),
};
