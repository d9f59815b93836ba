// VISPR: images `<split>2017/2017_XXXXXXXX.jpg` (or under images/), one annotation per image
// `annotations/<split>2017/2017_XXXXXXXX.json` whose `labels` lists attribute ids (`a4_gender`).
// Labels are returned for an attribute list: VISPR-1, VISPR-2 (SPAct's novel set) or any ids.
import { join, parse } from 'node:path';

import { forEachLimit } from '../concurrency.js';
import { DataError } from '../errors.js';
import { DirCache, firstExisting, listDir, Problems, type ProblemSink, readJson } from './files.js';
import type { ImageDataset, ImageSample } from './types.js';

export const VISPR1 = [
  'a4_gender',
  'a9_face_complete',
  'a10_face_partial',
  'a12_semi_nudity',
  'a17_color',
  'a64_rel_personal',
  'a65_rel_social',
];
/** SPAct's novel attribute set. */
export const VISPR2 = [
  'a6_hair_color',
  'a16_race',
  'a59_sports',
  'a1_age_approx',
  'a2_weight_approx',
  'a73_landmark',
  'a11_tattoo',
];

export type VisprSplit = 'train' | 'val' | 'test';

export interface VisprOptions {
  split: VisprSplit;
  /** 'vispr1' (default), 'vispr2', or any list of attribute ids. */
  attributes?: 'vispr1' | 'vispr2' | string[];
  /** Folder of the split's images (default <root>/<split>2017, else <root>/images/<split>2017). */
  images?: string;
  /** Report problems here and keep the sound samples, instead of failing (dataset checks). */
  onProblem?: ProblemSink;
}

export async function readVispr(root: string, o: VisprOptions): Promise<ImageDataset> {
  const attributes = o.attributes === 'vispr2' ? VISPR2 : Array.isArray(o.attributes) ? o.attributes : VISPR1;
  for (const a of attributes)
    if (!/^a\d+_\w+$/.test(a)) throw new Error(`VISPR: '${a}' is not an attribute id like a4_gender`);
  const sub = `${o.split}2017`;
  const annDir = join(root, 'annotations', sub);
  const entries = await listDir(annDir);
  if (entries === null) throw new DataError(annDir, 'annotation folder not found');
  const jsons = entries.filter((e) => !e.isDir && e.name.endsWith('.json')).map((e) => e.name);
  if (jsons.length === 0) throw new DataError(annDir, 'holds no annotation .json files');
  const images = o.images ?? (await firstExisting([join(root, sub), join(root, 'images', sub)]));
  if (images === null) throw new DataError(join(root, sub), 'image folder not found');
  const index = new Map(attributes.map((a, i) => [a, i]));
  const dirs = new DirCache();
  const problems = new Problems(o.onProblem);
  const samples: ImageSample[] = new Array(jsons.length);
  await forEachLimit(jsons, 16, async (name, k) => {
    const file = join(annDir, name);
    let ann: unknown;
    try {
      ann = await readJson(file);
    } catch (e) {
      return problems.add(e as DataError);
    }
    const labels = (ann as { labels?: unknown }).labels;
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) {
      return problems.add(new DataError(file, "has no 'labels' list of attribute ids"));
    }
    const stem = parse(name).name;
    const real = (await dirs.find(images, `${stem}.jpg`)) ?? (await dirs.find(images, `${stem}.png`));
    if (real === null)
      return problems.add(new DataError(file, `image ${join(images, `${stem}.jpg`)} does not exist`));
    const y = new Uint8Array(attributes.length);
    for (const l of labels as string[]) {
      const i = index.get(l);
      if (i !== undefined) y[i] = 1;
    }
    samples[k] = { path: join(images, real), id: stem, labels: y };
  });
  problems.throwIfAny(root, `VISPR ${o.split}`);
  return { name: 'vispr', root, attributes: [...attributes], samples };
}
