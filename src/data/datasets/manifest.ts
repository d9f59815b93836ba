// A CSV manifest of videos or images: a header row naming a `path` column (relative to the CSV
// file's folder, or absolute), optionally `label` (a class name, or a 0-based index with the
// `classes` option), optionally `split`; every other column is a 0/1 attribute (VP-UCF101 and
// VP-HMDB51 style video-level privacy labels).
import { access } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';

import { DataError, lineError } from '../errors.js';
import { Problems, type ProblemSink, readLines } from './files.js';

export interface ManifestSample {
  path: string;
  id: string;
  label: number;
  className: string;
  split: string | null;
  /** 0/1 per attribute column, in header order. */
  labels: Uint8Array;
}

export interface Manifest {
  name: 'manifest';
  root: string;
  classes: string[];
  attributes: string[];
  samples: ManifestSample[];
}

export interface ManifestOptions {
  /** Keep only rows of this split. */
  split?: string;
  /** Class order; default: the labels met, alphabetically. */
  classes?: string[];
  /** Report problems here and keep the sound samples, instead of failing (dataset checks). */
  onProblem?: ProblemSink;
}

/** One CSV record: fields split on commas, double quotes escaping commas and "" quotes. */
export function parseCsvLine(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      if (i < line.length && line[i] !== ',') return null;
    } else {
      const j = line.indexOf(',', i);
      field = line.slice(i, j < 0 ? line.length : j);
      i = j < 0 ? line.length : j;
    }
    out.push(field.trim());
    if (i >= line.length) return out;
    i++;
  }
}

export async function readManifest(file: string, o: ManifestOptions = {}): Promise<Manifest> {
  const lines = await readLines(file, 'manifest');
  const head = lines[0] ? parseCsvLine(lines[0].text) : null;
  if (!head || !head.includes('path'))
    throw new DataError(file, "first line must be a header with a 'path' column");
  const col = (name: string): number => head.indexOf(name);
  const attrCols = head
    .map((h, i) => [h, i] as const)
    .filter(([h]) => !['path', 'label', 'split'].includes(h));
  const problems = new Problems(o.onProblem);
  const rows: { n: number; cells: string[] }[] = [];
  for (const l of lines.slice(1)) {
    const cells = parseCsvLine(l.text);
    if (!cells || cells.length !== head.length) {
      problems.add(
        lineError(
          file,
          l.n,
          `expected ${head.length} fields like the header, got ${cells?.length ?? 'unbalanced quotes'}`,
        ),
      );
    } else if (o.split === undefined || cells[col('split')] === o.split) rows.push({ n: l.n, cells });
  }
  const names = col('label') < 0 ? [] : rows.map((r) => r.cells[col('label')] as string);
  // Labels that are all indices name classes 0..max; others are class names, sorted.
  const numeric = names.length > 0 && names.every((v) => /^\d+$/.test(v));
  const classes =
    o.classes ??
    (numeric
      ? Array.from({ length: Math.max(...names.map(Number)) + 1 }, (_, i) => String(i))
      : [...new Set(names)].sort());
  const samples: ManifestSample[] = [];
  await Promise.all(
    rows.map(async ({ n, cells }) => {
      const rel = cells[col('path')] as string;
      const path = isAbsolute(rel) ? rel : join(dirname(file), rel);
      let label = -1;
      if (col('label') >= 0) {
        const v = cells[col('label')] as string;
        label = classes.indexOf(v);
        if (label < 0 && /^\d+$/.test(v) && Number(v) < classes.length) label = Number(v);
        if (label < 0) return problems.add(lineError(file, n, `label '${v}' is not a known class`));
      }
      const labels = new Uint8Array(attrCols.length);
      for (const [k, [name, i]] of attrCols.entries()) {
        const v = cells[i];
        if (v !== '0' && v !== '1' && v !== '')
          return problems.add(lineError(file, n, `attribute ${name} must be 0 or 1, got '${v}'`));
        labels[k] = v === '1' ? 1 : 0;
      }
      try {
        await access(path);
      } catch {
        return problems.add(lineError(file, n, `${path} does not exist`));
      }
      samples[n] = {
        path,
        id: rel,
        label,
        className: classes[label] ?? '',
        split: col('split') >= 0 ? (cells[col('split')] as string) : null,
        labels,
      };
    }),
  );
  problems.throwIfAny(file, 'manifest');
  return {
    name: 'manifest',
    root: dirname(file),
    classes,
    attributes: attrCols.map(([h]) => h),
    samples: samples.filter((s) => s !== undefined),
  };
}
