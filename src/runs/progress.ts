// The data layer's progress bar (rate and ETA), plus a line whenever the phase changes, so a long
// run says what it is doing (pre-training, minimax step 1 or 2, which judge) as well as how far along.
import { Progress as Bar } from '../data/progress.js';

export class Progress {
  private readonly bar: Bar;
  private phase = '';

  constructor(label: string, total: number) {
    this.bar = new Bar(total, { label, unit: 'steps' });
  }

  tick(what = '', n = 1): void {
    if (what && what !== this.phase) {
      this.phase = what;
      process.stderr.write(`${process.stderr.isTTY ? '\n' : ''}-- ${what}\n`);
    }
    this.bar.tick(n);
  }

  finish(): void {
    this.bar.finish();
  }
}
