// A progress bar on stderr with the rate and the ETA, redrawn in place on a terminal and printed
// every few seconds otherwise (logs, CI), for long CPU runs where silence looks like a hang.
export interface ProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Minimum milliseconds between redraws (terminal) or lines (not a terminal). */
  interval?: number;
  width?: number;
}

const clock = (s: number): string => {
  if (!Number.isFinite(s)) return '--:--';
  const m = Math.floor(s / 60);
  const r = Math.floor(s % 60);
  return m >= 60
    ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
    : `${m}:${String(r).padStart(2, '0')}`;
};

export class Progress {
  private done = 0;
  private last = 0;
  private readonly start = Date.now();
  private readonly stream: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly interval: number;
  private readonly width: number;

  constructor(
    readonly label: string,
    readonly total: number,
    o: ProgressOptions = {},
  ) {
    this.stream = o.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY);
    this.interval = o.interval ?? (this.tty ? 100 : 5000);
    this.width = o.width ?? 24;
  }

  /** Advances by n; `what` names the current phase. */
  tick(what = '', n = 1): void {
    this.done = Math.min(this.total, this.done + n);
    const now = Date.now();
    if (now - this.last >= this.interval || this.done === this.total) {
      this.last = now;
      this.draw(what);
    }
  }

  line(what = ''): string {
    const secs = (Date.now() - this.start) / 1000;
    const rate = this.done / Math.max(1e-9, secs);
    const frac = this.total > 0 ? this.done / this.total : 1;
    const fill = Math.round(frac * this.width);
    const bar = '#'.repeat(fill) + '.'.repeat(this.width - fill);
    const eta = rate > 0 ? (this.total - this.done) / rate : Infinity;
    return `${this.label} [${bar}] ${this.done}/${this.total} ${rate.toFixed(1)}/s ${clock(secs)} elapsed, ETA ${clock(eta)}${what ? `  ${what}` : ''}`;
  }

  private draw(what: string): void {
    if (this.tty) this.stream.write(`\r\x1b[K${this.line(what)}`);
    else this.stream.write(`${this.line(what)}\n`);
  }

  finish(): void {
    this.done = this.total;
    this.draw('done');
    if (this.tty) this.stream.write('\n');
  }
}
