// PA-HMDB51: per action a JSON file `PrivacyAttributes/<action>.json`, keyed by HMDB51 video file
// name; for each of five attributes a list of frame ranges `[start, end, value]` (inclusive), the
// value a number or a list of numbers where several apply (two people of different genders).
// Values: skin_color 0 invisible, 1 white, 2 brown/yellow, 3 black; face 0 invisible, 1 partial,
// 2 complete; gender 0 invisible, 1 male, 2 female; nudity 0 none, 1 partial, 2 semi;
// relationship 0 no, 1 yes. The videos themselves are HMDB51's.
import { join } from 'node:path';

import { DataError, lineError } from '../errors.js';
import { DirCache, listDir, Problems, type ProblemSink, readJson, readLines } from './files.js';
import { hmdbDirs } from './hmdb51.js';
import type { VideoDataset, VideoSample } from './types.js';

export const PA_ATTRIBUTES = ['skin_color', 'face', 'gender', 'nudity', 'relationship'] as const;
export type PaAttribute = (typeof PA_ATTRIBUTES)[number];

export interface PaRange {
  start: number;
  end: number;
  values: number[];
}

export interface PaHmdbSample extends VideoSample {
  ranges: Record<PaAttribute, PaRange[]>;
}

export interface PaHmdb51Options {
  /** Folder of the per-action JSON files (default <root>/PrivacyAttributes). */
  annotations?: string;
  /** HMDB51's folder of action folders (found as readHmdb51 does when omitted). */
  videos?: string;
  /** Class order for labels (default: the annotated actions, alphabetically). */
  classes?: string[];
  /** Report problems here and keep the sound samples, instead of failing (dataset checks). */
  onProblem?: ProblemSink;
}

function parseRanges(v: unknown): PaRange[] | null {
  if (!Array.isArray(v)) return null;
  const out: PaRange[] = [];
  for (const r of v) {
    if (!Array.isArray(r) || r.length !== 3) return null;
    const [s, e, val] = r as unknown[];
    const values = Array.isArray(val) ? val : [val];
    if (!Number.isInteger(s) || !Number.isInteger(e) || (s as number) < 0 || (e as number) < (s as number))
      return null;
    if (!values.every((x) => Number.isInteger(x) && (x as number) >= 0)) return null;
    out.push({ start: s as number, end: e as number, values: values as number[] });
  }
  return out;
}

export async function readPaHmdb51(
  root: string,
  o: PaHmdb51Options = {},
): Promise<VideoDataset<PaHmdbSample>> {
  const annDir = o.annotations ?? join(root, 'PrivacyAttributes');
  const entries = await listDir(annDir);
  if (entries === null) throw new DataError(annDir, 'PA-HMDB51 annotation folder not found');
  const actions = entries.filter((e) => !e.isDir && e.name.endsWith('.json')).map((e) => e.name.slice(0, -5));
  if (actions.length === 0) throw new DataError(annDir, 'holds no <action>.json files');
  const classes = o.classes ?? [...actions].sort();
  const { videos } = await hmdbDirs(root, { videos: o.videos });
  const dirs = new DirCache();
  const problems = new Problems(o.onProblem);
  const samples: PaHmdbSample[] = [];
  for (const action of [...actions].sort()) {
    const file = join(annDir, `${action}.json`);
    const label = classes.indexOf(action);
    if (label < 0) {
      problems.add(new DataError(file, `action '${action}' is not among the given classes`));
      continue;
    }
    let ann: unknown;
    try {
      ann = await readJson(file);
    } catch (e) {
      problems.add(e as DataError);
      continue;
    }
    if (typeof ann !== 'object' || ann === null || Array.isArray(ann)) {
      problems.add(new DataError(file, 'expected an object keyed by video file name'));
      continue;
    }
    for (const [video, entry] of Object.entries(ann as Record<string, unknown>)) {
      const ranges = {} as Record<PaAttribute, PaRange[]>;
      const bad = PA_ATTRIBUTES.filter((a) => {
        const r = parseRanges((entry as Record<string, unknown> | null)?.[a]);
        if (r) ranges[a] = r;
        return r === null;
      });
      if (bad.length > 0) {
        problems.add(
          new DataError(
            file,
            `${video}: '${bad.join("', '")}' missing or not a list of [start, end, value] ranges`,
          ),
        );
        continue;
      }
      const path = await dirs.resolve(videos, `${action}/${video}`);
      if (path === null)
        problems.add(new DataError(file, `${video}: video ${join(videos, action, video)} does not exist`));
      else samples.push({ path, id: `${action}/${video}`, label, className: action, ranges });
    }
  }
  problems.throwIfAny(root, 'PA-HMDB51');
  return { name: 'pa-hmdb51', root, classes, samples };
}

/**
 * The attribute values at a frame (an attribute with no range covering it reads as [0]), or over
 * the whole video when no frame is given.
 */
export function paValuesAt(s: PaHmdbSample, frame?: number): Record<PaAttribute, number[]> {
  const out = {} as Record<PaAttribute, number[]>;
  for (const a of PA_ATTRIBUTES) {
    const rs = s.ranges[a].filter((r) => frame === undefined || (frame >= r.start && frame <= r.end));
    const vs = [...new Set(rs.flatMap((r) => r.values))].sort((x, y) => x - y);
    out[a] = vs.length ? vs : [0];
  }
  return out;
}

/** Binary labels: 1 where an attribute is present (any value above 0) at the frame or in the video. */
export function paPresence(s: PaHmdbSample, frame?: number): Uint8Array {
  const v = paValuesAt(s, frame);
  return Uint8Array.from(PA_ATTRIBUTES, (a) => (v[a].some((x) => x > 0) ? 1 : 0));
}

/**
 * PA-HMDB51's videos split for the attacker. The dataset has no privacy split of its own, so veil
 * follows HMDB51's split `split` (`<action>_test_split<k>.txt` in `splits`): a video HMDB51 tests
 * on (2) is a test video, every other one (1, 0, or not listed) is a training video, so an f_A
 * trained on HMDB51's training videos is judged on videos it never saw; every `valEvery`-th
 * training video of an action (in file-name order) is held out for validation.
 */
export async function paHmdbSubsets(
  ds: VideoDataset<PaHmdbSample>,
  splits: string,
  split: 1 | 2 | 3,
  valEvery: number,
): Promise<Record<'train' | 'val' | 'test', PaHmdbSample[]>> {
  const tested = new Set<string>();
  for (const action of new Set(ds.samples.map((s) => s.className))) {
    const file = join(splits, `${action}_test_split${split}.txt`);
    for (const l of await readLines(file, `HMDB51 split file of PA-HMDB51's action '${action}'`)) {
      const m = /^(\S+)\s+([012])$/.exec(l.text);
      if (!m) throw lineError(file, l.n, `expected '<video> <0|1|2>', got '${l.text}'`);
      if (m[2] === '2') tested.add(`${action}/${m[1] as string}`.toLowerCase());
    }
  }
  const out: Record<'train' | 'val' | 'test', PaHmdbSample[]> = { train: [], val: [], test: [] };
  const byAction = new Map<string, PaHmdbSample[]>();
  for (const s of [...ds.samples].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (tested.has(s.id.toLowerCase())) out.test.push(s);
    else byAction.set(s.className, [...(byAction.get(s.className) ?? []), s]);
  }
  // holdOut's rule (src/method/sets.ts): an action with fewer videos still gives its last one.
  for (const list of byAction.values())
    list.forEach((s, k) => {
      const n = list.length;
      const val = k % valEvery === valEvery - 1 || (n < valEvery && n > 1 && k === n - 1);
      (val ? out.val : out.train).push(s);
    });
  return out;
}
