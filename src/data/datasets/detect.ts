// Which dataset layouts a folder holds, found by their marker files; a folder (or any of its
// immediate sub-folders) may hold several, as SynthPAR's output does.
import { extname, join } from 'node:path';

import { listDir } from './files.js';
import { VIDEO_EXTENSIONS } from './types.js';

export type LayoutKind = 'ucf101' | 'hmdb51' | 'pahmdb51' | 'vispr' | 'manifest' | 'folder';

export interface Layout {
  kind: LayoutKind;
  root: string;
  /** The manifest's CSV file. */
  file?: string;
  /** Splits found: 1-3 for UCF101 and HMDB51, train/val/test for VISPR. */
  splits?: (number | string)[];
}

async function names(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  const e = (await listDir(dir)) ?? [];
  return {
    files: e.filter((x) => !x.isDir).map((x) => x.name),
    dirs: e.filter((x) => x.isDir).map((x) => x.name),
  };
}

async function at(dir: string): Promise<Layout[]> {
  const found: Layout[] = [];
  const here = await names(dir);
  if (here.dirs.includes('ucfTrainTestlist')) {
    const lists = (await names(join(dir, 'ucfTrainTestlist'))).files;
    const splits = [1, 2, 3].filter(
      (k) => lists.includes(`trainlist0${k}.txt`) || lists.includes(`testlist0${k}.txt`),
    );
    found.push({ kind: 'ucf101', root: dir, splits });
  }
  for (const sub of ['testTrainMulti_7030_splits', 'splits', '.']) {
    if (sub !== '.' && !here.dirs.includes(sub)) continue;
    const files = sub === '.' ? here.files : (await names(join(dir, sub))).files;
    const splits = [1, 2, 3].filter((k) => files.some((f) => f.endsWith(`_test_split${k}.txt`)));
    if (splits.length > 0) {
      found.push({ kind: 'hmdb51', root: dir, splits });
      break;
    }
  }
  if (here.dirs.includes('PrivacyAttributes')) found.push({ kind: 'pahmdb51', root: dir });
  if (here.dirs.includes('annotations')) {
    const subs = (await names(join(dir, 'annotations'))).dirs;
    const splits = ['train', 'val', 'test'].filter((s) => subs.includes(`${s}2017`));
    if (splits.length > 0) found.push({ kind: 'vispr', root: dir, splits });
  }
  for (const f of here.files.filter((f) => f.toLowerCase().endsWith('.csv'))) {
    found.push({ kind: 'manifest', root: dir, file: join(dir, f) });
  }
  return found;
}

// Sub-folders that belong to a layout found above them, not layouts of their own.
const PARTS: Record<LayoutKind, string[]> = {
  ucf101: ['UCF-101', 'ucfTrainTestlist'],
  hmdb51: ['testTrainMulti_7030_splits', 'splits', 'hmdb51_org', 'hmdb51', 'videos'],
  pahmdb51: ['PrivacyAttributes'],
  vispr: ['annotations', 'images', 'train2017', 'val2017', 'test2017'],
  manifest: [],
  folder: [],
};

export async function detectLayouts(dir: string): Promise<Layout[]> {
  const found = await at(dir);
  const parts = new Set(found.flatMap((l) => PARTS[l.kind]));
  for (const d of (await names(dir)).dirs) if (!parts.has(d)) found.push(...(await at(join(dir, d))));
  if (found.length > 0) return found;
  // Nothing official: a folder of class folders of videos.
  for (const d of (await names(dir)).dirs) {
    const files = (await names(join(dir, d))).files;
    if (files.some((f) => VIDEO_EXTENSIONS.includes(extname(f).toLowerCase())))
      return [{ kind: 'folder', root: dir }];
  }
  return [];
}
