// What a training run leaves for people to follow it by: metrics.csv for scripts and
// spreadsheets, TensorBoard event files for curves and sample frames. One call logs to both so
// the two never disagree on what was measured at which step.
import { MetricsCsv } from './metrics_file.js';
import { EventWriter } from './tensorboard.js';

// Each call writes the CSV rows first: MetricsCsv refuses everything EventWriter would (and
// more), so a bad call leaves neither file with a half of it.
export class RunLog {
  readonly dir: string;
  private readonly csv: MetricsCsv;
  private readonly events: EventWriter;

  /** Appends to dir/metrics.csv (a resumed run keeps its rows) and starts a new events file. */
  constructor(dir: string) {
    this.dir = dir;
    this.csv = new MetricsCsv(dir);
    try {
      this.events = new EventWriter(dir);
    } catch (e) {
      this.csv.close();
      throw e;
    }
  }

  get metricsFile(): string {
    return this.csv.file;
  }

  get eventsFile(): string {
    return this.events.file;
  }

  /** Per-step metrics (losses of one optimizer step), tagged step/<name> in TensorBoard. */
  step(step: number, metrics: Record<string, number>, epoch: number | null = null): void {
    this.csv.write('step', epoch, step, metrics);
    this.events.scalars(prefixed('step', metrics), step);
  }

  /**
   * End-of-epoch metrics, tagged epoch/<name>. They are plotted against the global step, as
   * TensorBoard has one x axis per run, so the epoch curves line up with the step curves.
   */
  epoch(epoch: number, step: number, metrics: Record<string, number>): void {
    this.csv.write('epoch', epoch, step, metrics);
    this.events.scalars(prefixed('epoch', metrics), step);
  }

  /** A PNG of height x width pixels (e.g. an anonymized frame), under tag as given. */
  image(tag: string, png: Uint8Array, height: number, width: number, step: number): void {
    this.events.image(tag, png, height, width, step);
  }

  /** Both files are written through on every call; this makes them durable (fsync). */
  flush(): void {
    this.csv.flush();
    this.events.flush();
  }

  close(): void {
    this.csv.close();
    this.events.close();
  }
}

function prefixed(scope: string, metrics: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).map(([k, v]) => [`${scope}/${k}`, v]));
}
