// What one `veil anonymize` call has to do: a file, stdin, or a folder walked recursively and
// mirrored into the output folder. Outputs that already exist in a folder run are done (outputs
// only ever appear complete, under their final name) and are skipped unless forced. No output may
// be an input: the video being anonymized is never the file that gets replaced.
import { existsSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, relative, resolve, sep } from 'node:path';

import { DataError, UsageError } from '../data/errors.js';
import { IMAGE_EXTENSIONS, VIDEO_EXTENSIONS } from './containers.js';

export type ItemKind = 'video' | 'image';

export interface WorkItem {
  /** null: stdin. */
  input: string | null;
  /** null: stdout. */
  output: string | null;
  kind: ItemKind;
}

export interface Plan {
  items: WorkItem[];
  /** Folder entries whose output already exists. */
  skipped: WorkItem[];
}

export function kindOf(file: string): ItemKind | null {
  const ext = extname(file).toLowerCase();
  if (VIDEO_EXTENSIONS.includes(ext)) return 'video';
  if (IMAGE_EXTENSIONS.includes(ext)) return 'image';
  return null;
}

async function walk(dir: string, exclude: string): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.name.startsWith('.') || resolve(p) === exclude) continue; // hidden: partial outputs among them
    if (e.isDirectory()) out.push(...(await walk(p, exclude)));
    else if (e.isFile() && kindOf(p)) out.push(p);
  }
  return out;
}

/**
 * Refuses an item whose output is its input. Only an existing output can be: it is the input when
 * both name one file (device and inode), however spelled (symlinks, '..', hard links, a folder
 * onto itself, a case-insensitive file system).
 */
function refuseOverwritingInput(item: WorkItem): void {
  if (!item.input || !item.output) return;
  const id = (p: string): string | null => {
    try {
      const st = statSync(p);
      return `${st.dev}:${st.ino}`;
    } catch {
      return null;
    }
  };
  const out = id(item.output);
  if (out !== null && out === id(item.input))
    throw new UsageError(
      `the output ${item.output} is the input ${item.input}: anonymizing would overwrite the original; give another -o`,
    );
}

export async function planWork(input: string, output: string, force: boolean): Promise<Plan> {
  const plan = await planItems(input, output, force);
  // Skipped items too: a folder onto itself is refused, not quietly skipped (and not --force'd).
  for (const item of [...plan.items, ...plan.skipped]) refuseOverwritingInput(item);
  return plan;
}

async function planItems(input: string, output: string, force: boolean): Promise<Plan> {
  if (input === '-')
    return { items: [{ input: null, output: output === '-' ? null : output, kind: 'video' }], skipped: [] };
  const st = await stat(input).catch(() => {
    throw new DataError(input, 'input not found');
  });
  if (!st.isDirectory()) {
    const kind = kindOf(input) ?? 'video'; // any other extension: let ffmpeg try it as a video
    if (output === '-') {
      if (kind === 'image') throw new DataError(input, 'an image cannot be written to stdout');
      return { items: [{ input, output: null, kind }], skipped: [] };
    }
    const intoFolder =
      output.endsWith(sep) ||
      output.endsWith('/') ||
      (existsSync(output) && (await stat(output)).isDirectory());
    return {
      items: [{ input, output: intoFolder ? join(output, basename(input)) : output, kind }],
      skipped: [],
    };
  }
  if (output === '-')
    throw new DataError(input, 'a folder cannot be written to stdout: give an output folder');
  const files = await walk(input, resolve(output));
  const plan: Plan = { items: [], skipped: [] };
  for (const f of files) {
    const item = { input: f, output: join(output, relative(input, f)), kind: kindOf(f) as ItemKind };
    (existsSync(item.output) && !force ? plan.skipped : plan.items).push(item);
  }
  return plan;
}
