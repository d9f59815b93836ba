// --quiet for the commands that draw their own progress bar (the pipelines below the CLI take a
// RunOutput, CONSOLE or SILENT, instead).
import { Progress } from '../runs/progress.js';

/** A command's progress bar, drawing nothing under --quiet. */
export const progress = (quiet: boolean, label: string, total: number): Progress =>
  new Progress(label, Math.max(1, total), { quiet });
