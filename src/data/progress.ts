// A progress bar for long data jobs, on stderr: count, rate and time left. On a terminal it
// redraws one line; elsewhere (logs, CI) it prints a line every tenth of the way.
import type { Writable } from 'node:stream';

export interface ProgressOptions {
  label: string;
  /** What is counted, for the rate ("clips" gives "clips/s"). */
  unit?: string;
  stream?: Writable & { isTTY?: boolean; columns?: number };
  /** Clock in milliseconds (tests give their own). */
  now?: () => number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (v: number): string => String(v).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

export class Progress {
  private done = 0;
  private readonly start: number;
  private lastDraw = -Infinity;
  private lastTenth = -1;
  private readonly stream: NonNullable<ProgressOptions['stream']>;
  private readonly now: () => number;

  constructor(
    readonly total: number,
    private readonly o: ProgressOptions,
  ) {
    this.stream = o.stream ?? process.stderr;
    this.now = o.now ?? (() => performance.now());
    this.start = this.now();
  }

  /** The status line: "label [#####.....] 42/100 12.3 clips/s ETA 0:05". */
  line(): string {
    const secs = (this.now() - this.start) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const frac = this.total > 0 ? this.done / this.total : 1;
    const width = 24;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    const unit = this.o.unit ?? 'items';
    const tail = this.done >= this.total ? `in ${formatDuration(secs)}` : `ETA ${formatDuration(eta)}`;
    return `${this.o.label} [${bar}] ${this.done}/${this.total} ${rate.toFixed(1)} ${unit}/s ${tail}`;
  }

  tick(n = 1): void {
    this.done = Math.min(this.total, this.done + n);
    const t = this.now();
    if (this.stream.isTTY) {
      if (t - this.lastDraw >= 100 || this.done === this.total) {
        this.lastDraw = t;
        this.stream.write(`\r${this.line()}\x1b[K`);
      }
      return;
    }
    const tenth = Math.floor((this.done / Math.max(1, this.total)) * 10);
    if (tenth > this.lastTenth) {
      this.lastTenth = tenth;
      this.stream.write(`${this.line()}\n`);
    }
  }

  /** Ends the line on a terminal. */
  finish(): void {
    if (this.stream.isTTY) this.stream.write(`\r${this.line()}\x1b[K\n`);
  }
}
