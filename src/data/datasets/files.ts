// File-system helpers for the readers: text lines with their numbers, cached directory listings
// with a case-insensitive fallback (UCF101's lists spell some class folders differently from the
// disk), and a collector that gathers every problem of a dataset before failing.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { DataError } from '../errors.js';

export interface Line {
  n: number;
  text: string;
}

/** Non-blank lines, trimmed, numbered from 1; a missing file is an error naming it. */
export async function readLines(file: string, what: string): Promise<Line[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(file, `${what} not found or unreadable`, { cause: e });
  }
  return text
    .split(/\r?\n/)
    .map((t, i) => ({ n: i + 1, text: t.trim() }))
    .filter((l) => l.text.length > 0);
}

export async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new DataError(file, 'not found or unreadable', { cause: e });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DataError(file, `invalid JSON: ${(e as Error).message}`, { cause: e });
  }
}

export async function listDir(dir: string): Promise<{ name: string; isDir: boolean }[] | null> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => !e.name.startsWith('.'))
      .map((e) => ({ name: e.name, isDir: e.isDirectory() }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return null;
  }
}

/** Finds names in directories, each directory listed once. */
export class DirCache {
  private readonly lists = new Map<string, Promise<Map<string, string[]> | null>>();

  private listing(dir: string): Promise<Map<string, string[]> | null> {
    let p = this.lists.get(dir);
    if (!p) {
      p = listDir(dir).then((entries) => {
        if (!entries) return null;
        const byLower = new Map<string, string[]>();
        for (const e of entries)
          byLower.set(e.name.toLowerCase(), [...(byLower.get(e.name.toLowerCase()) ?? []), e.name]);
        return byLower;
      });
      this.lists.set(dir, p);
    }
    return p;
  }

  /** The entry's real name: exact when present, else the only case-insensitive match, else null. */
  async find(dir: string, name: string): Promise<string | null> {
    const l = await this.listing(dir);
    const candidates = l?.get(name.toLowerCase()) ?? [];
    if (candidates.includes(name)) return name;
    return candidates.length === 1 ? (candidates[0] as string) : null;
  }

  /** Resolves a relative path of '/'-separated parts under root, part by part. */
  async resolve(root: string, rel: string): Promise<string | null> {
    let dir = root;
    for (const part of rel.split('/').filter(Boolean)) {
      const real = await this.find(dir, part);
      if (real === null) return null;
      dir = join(dir, real);
    }
    return dir;
  }
}

/** Every problem of a dataset at once, thrown together: one run shows all that needs fixing. */
export class DatasetError extends DataError {
  constructor(
    root: string,
    what: string,
    readonly problems: DataError[],
  ) {
    const shown = problems.slice(0, 5).map((p) => p.message);
    const more = problems.length > 5 ? `; and ${problems.length - 5} more` : '';
    super(
      root,
      `${problems.length} problem${problems.length === 1 ? '' : 's'} in ${what}: ${shown.join('; ')}${more}`,
    );
    this.name = 'DatasetError';
  }
}

/** Given to a reader, receives each problem instead of the reader failing: it keeps what is sound. */
export type ProblemSink = (problem: DataError) => void;

export class Problems {
  readonly list: DataError[] = [];
  constructor(private readonly sink?: ProblemSink) {}
  add(e: DataError): void {
    if (this.sink) this.sink(e);
    else this.list.push(e);
  }
  throwIfAny(root: string, what: string): void {
    if (this.list.length > 0) throw new DatasetError(root, what, this.list);
  }
}

export async function firstExisting(candidates: string[]): Promise<string | null> {
  for (const c of candidates) if ((await listDir(c)) !== null) return c;
  return null;
}
