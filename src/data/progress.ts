// veil's one progress bar, on stderr: count, rate and time left. On a terminal it redraws one line
// (at most ten times a second); elsewhere (logs, CI) it prints a line every tenth of the way, and
// one at least every few seconds while work goes on, so a log shows a long job is alive. The total
// may be unknown (a stream): the line then says the count, the rate and the time so far. The data
// jobs, the training pipeline (src/runs/progress.ts adds its phase lines) and `veil anonymize`
// (a phase per file) all draw this one.

/** Where the bar is drawn: stderr, or anything with write() (tests give a PassThrough). */
export interface ProgressSink {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface ProgressOptions {
  label: string;
  /** What is counted, for the count and the rate ("clips" gives "clips/s"); "items" by default. */
  unit?: string;
  /** stderr by default; null draws nothing (a quiet run still counts). */
  stream?: ProgressSink | null;
  /** Clock in milliseconds (tests give their own). */
  now?: () => number;
  /** Off a terminal, the longest wait between two lines while work goes on, in ms (10 s by default). */
  logEvery?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (v: number): string => String(v).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** Redraws on a terminal at most this often (ms). */
const REDRAW_MS = 100;
const WIDTH = 24;

export class Progress {
  private label = '';
  private count: number | null = null;
  private done = 0;
  private started = 0;
  /** Terminal: when the line was last drawn, and whether it is still open (no newline after it). */
  private lastDraw = -Infinity;
  private open = false;
  /** Log: when the last line was printed, at which tenth and which count. */
  private lastLine = 0;
  private lastTenth = -1;
  private printed = 0;
  private phaseName = '';
  private readonly stream: ProgressSink | null;
  private readonly unit: string;
  private readonly now: () => number;
  private readonly logEvery: number;

  /** A bar over `total` items (null: unknown), started now. */
  constructor(total: number | null, o: ProgressOptions) {
    this.stream = o.stream === undefined ? process.stderr : o.stream;
    this.unit = o.unit ?? 'items';
    this.now = o.now ?? (() => performance.now());
    this.logEvery = o.logEvery ?? 10_000;
    this.start(o.label, total);
  }

  /** The total (grown to the count when the work outruns it), or null when unknown. */
  get total(): number | null {
    return this.count;
  }

  /** A new phase on the same bar: another label and total, the count and the clock from zero. */
  start(label: string, total: number | null): void {
    this.label = label;
    this.count = total !== null && total >= 0 ? total : null;
    this.done = 0;
    this.started = this.now();
    this.lastDraw = -Infinity;
    this.lastLine = this.started;
    this.lastTenth = -1;
    this.printed = 0;
  }

  /** A line "-- what" when the work turns to something else (the same `what` again prints nothing). */
  phase(what: string): void {
    if (!what || what === this.phaseName) return;
    this.phaseName = what;
    this.write(`${this.open ? '\n' : ''}-- ${what}\n`);
    this.open = false;
  }

  /**
   * The status line: "label [#####.....] 42/100 12.3 clips/s ETA 0:05" ("in 0:08" once done);
   * with no total, "label 42 clips 12.3 clips/s in 0:03".
   */
  line(): string {
    const secs = (this.now() - this.started) / 1000;
    const rate = secs > 0 ? this.done / secs : 0;
    const speed = `${rate.toFixed(1)} ${this.unit}/s`;
    const total = this.count;
    if (total === null) return `${this.label} ${this.done} ${this.unit} ${speed} in ${formatDuration(secs)}`;
    const frac = total > 0 ? Math.min(1, this.done / total) : 1;
    const bar = '#'.repeat(Math.round(frac * WIDTH)).padEnd(WIDTH, '.');
    const eta = rate > 0 ? (total - this.done) / rate : Infinity;
    const tail = this.done >= total ? `in ${formatDuration(secs)}` : `ETA ${formatDuration(eta)}`;
    return `${this.label} [${bar}] ${this.done}/${total} ${speed} ${tail}`;
  }

  tick(n = 1): void {
    this.done += n;
    if (this.count !== null && this.done > this.count) this.count = this.done; // the total was an estimate
    if (!this.stream) return;
    const t = this.now();
    if (this.stream.isTTY) {
      if (t - this.lastDraw >= REDRAW_MS || this.done === this.count) {
        this.lastDraw = t;
        this.write(`\r${this.line()}\x1b[K`);
        this.open = true;
      }
      return;
    }
    const tenth = this.count === null ? -1 : Math.floor((this.done / Math.max(1, this.count)) * 10);
    if (tenth > this.lastTenth || t - this.lastLine >= this.logEvery) {
      this.lastTenth = Math.max(tenth, this.lastTenth);
      this.printLine('');
    }
  }

  /**
   * The phase's last line, with `status` after it ("done", "failed"). On a terminal it ends the
   * redrawn line; in a log it is printed unless the last line already said the same.
   */
  end(status = ''): void {
    if (!this.stream) return;
    if (this.stream.isTTY) {
      this.write(`\r${this.line()}${status ? ` ${status}` : ''}\x1b[K\n`);
      this.open = false;
    } else if (status || this.done !== this.printed) this.printLine(status);
  }

  /** Ends the bar: end() without a status. */
  finish(): void {
    this.end();
  }

  private printLine(status: string): void {
    this.lastLine = this.now();
    this.printed = this.done;
    this.write(`${this.line()}${status ? ` ${status}` : ''}\n`);
  }

  private write(s: string): void {
    this.stream?.write(s);
  }
}
