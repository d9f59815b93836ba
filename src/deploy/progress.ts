// The progress line on stderr: frames done, frames/s and ETA. On a terminal it redraws in place
// (at most ten times a second); in a log it prints a line every few seconds.

export interface ProgressSink {
  isTTY?: boolean;
  write(s: string): boolean;
}

const clock = (s: number): string => {
  if (!Number.isFinite(s)) return '--:--';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
};

export class Progress {
  private label = '';
  private total: number | null = null;
  private done = 0;
  private started = 0;
  private last = 0;

  constructor(private readonly sink: ProgressSink | null) {}

  start(label: string, total: number | null): void {
    this.label = label;
    this.total = total && total > 0 ? total : null;
    this.done = 0;
    this.started = performance.now();
    this.last = 0;
  }

  line(): string {
    const secs = (performance.now() - this.started) / 1000;
    const fps = secs > 0 ? this.done / secs : 0;
    const parts = [this.label];
    if (this.total) {
      const f = Math.min(1, this.done / this.total);
      const width = 20;
      const bar = '#'.repeat(Math.round(f * width)).padEnd(width, '.');
      parts.push(`[${bar}] ${String(Math.round(f * 100)).padStart(3)}%`, `${this.done}/${this.total} frames`);
    } else parts.push(`${this.done} frames`);
    parts.push(`${fps.toFixed(1)} fps`);
    if (this.total) parts.push(`ETA ${clock(fps > 0 ? (this.total - this.done) / fps : Infinity)}`);
    return parts.join('  ');
  }

  tick(frames: number): void {
    this.done += frames;
    if (!this.sink) return;
    const now = performance.now();
    const every = this.sink.isTTY ? 100 : 5000;
    if (now - this.last < every) return;
    this.last = now;
    this.sink.write(this.sink.isTTY ? `\r\x1b[K${this.line()}` : `${this.line()}\n`);
  }

  end(status: string): void {
    if (!this.sink) return;
    this.sink.write(`${this.sink.isTTY ? '\r\x1b[K' : ''}${this.line()}  ${status}\n`);
  }
}
