// --quiet for work whose progress bars are made below the CLI (the experiment pipeline, the
// backbones): stderr is muted while it runs. Errors still reach stderr: they are printed by
// execute() after the work has thrown and stderr is back.
import { Progress } from '../runs/progress.js';

export async function muteStderr<T>(mute: boolean, work: () => Promise<T>): Promise<T> {
  if (!mute) return work();
  const write = process.stderr.write;
  process.stderr.write = ((_chunk: unknown, ...rest: unknown[]) => {
    const done = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    done?.();
    return true;
  }) as typeof process.stderr.write;
  try {
    return await work();
  } finally {
    process.stderr.write = write;
  }
}

/** A progress bar's tick, or one that does nothing under --quiet. */
export function progress(
  quiet: boolean,
  label: string,
  total: number,
): { tick(what?: string): void; finish(): void } {
  if (quiet) return { tick: () => {}, finish: () => {} };
  const bar = new Progress(label, Math.max(1, total));
  return { tick: (what = '') => bar.tick(what), finish: () => bar.finish() };
}
