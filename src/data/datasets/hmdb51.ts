// HMDB51: videos `<action>/<video>.avi`; per action and split a file
// `<action>_test_split<k>.txt` of lines `<video>.avi <t>`, t = 1 train, 2 test, 0 unused.
// Classes are the actions in alphabetical order, the usual labelling.
import { join } from 'node:path';

import { DataError, lineError } from '../errors.js';
import { DirCache, firstExisting, listDir, Problems, type ProblemSink, readLines } from './files.js';
import type { VideoDataset, VideoSample } from './types.js';

export interface Hmdb51Options {
  split?: 1 | 2 | 3;
  subset: 'train' | 'test';
  /** Folder of action folders (default: the first of hmdb51_org, hmdb51, videos under root, or root). */
  videos?: string;
  /** Folder of split files (default: testTrainMulti_7030_splits or splits under root, or root). */
  splits?: string;
  /** Report problems here and keep the sound samples, instead of failing (dataset checks). */
  onProblem?: ProblemSink;
}

export async function hmdbDirs(
  root: string,
  o: { videos?: string; splits?: string },
): Promise<{ videos: string; splits: string }> {
  return {
    videos:
      o.videos ?? (await firstExisting(['hmdb51_org', 'hmdb51', 'videos'].map((d) => join(root, d)))) ?? root,
    splits:
      o.splits ??
      (await firstExisting(['testTrainMulti_7030_splits', 'splits'].map((d) => join(root, d)))) ??
      root,
  };
}

export async function readHmdb51(root: string, o: Hmdb51Options): Promise<VideoDataset> {
  const split = o.split ?? 1;
  const { videos, splits } = await hmdbDirs(root, o);
  const suffix = `_test_split${split}.txt`;
  const files = ((await listDir(splits)) ?? [])
    .filter((e) => !e.isDir && e.name.endsWith(suffix))
    .map((e) => e.name);
  if (files.length === 0) throw new DataError(splits, `no '<action>${suffix}' split files here`);
  const classes = files.map((f) => f.slice(0, -suffix.length)).sort();
  const want = o.subset === 'train' ? '1' : '2';
  const dirs = new DirCache();
  const problems = new Problems(o.onProblem);
  const samples: VideoSample[] = [];
  for (const [label, action] of classes.entries()) {
    const file = join(splits, `${action}${suffix}`);
    if ((await dirs.find(videos, action)) === null) {
      problems.add(
        new DataError(
          join(videos, action),
          `video folder of action '${action}' (from ${file}) does not exist`,
        ),
      );
      continue;
    }
    for (const l of await readLines(file, 'split file')) {
      const m = /^(\S+)\s+([012])$/.exec(l.text);
      if (!m) {
        problems.add(lineError(file, l.n, `expected '<video> <0|1|2>', got '${l.text}'`));
        continue;
      }
      if (m[2] !== want) continue;
      const name = m[1] as string;
      const path = await dirs.resolve(videos, `${action}/${name}`);
      if (path === null)
        problems.add(lineError(file, l.n, `video ${join(videos, action, name)} does not exist`));
      else samples.push({ path, id: `${action}/${name}`, label, className: action });
    }
  }
  problems.throwIfAny(root, `HMDB51 ${o.subset} split ${split}`);
  if (samples.length === 0) throw new DataError(splits, `split ${split} has no ${o.subset} videos`);
  return { name: 'hmdb51', root, classes, samples };
}
