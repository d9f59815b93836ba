// The training pipeline's progress: one bar of steps (src/data/progress.ts) that also says, with a
// line whenever it changes, what the run is doing (pre-training, minimax step 1 or 2, which judge).
import { Progress as Bar } from '../data/progress.js';

export class Progress {
  private readonly bar: Bar;

  constructor(label: string, total: number) {
    this.bar = new Bar(total, { label, unit: 'steps' });
  }

  tick(what = '', n = 1): void {
    this.bar.phase(what);
    this.bar.tick(n);
  }

  finish(): void {
    this.bar.finish();
  }
}
