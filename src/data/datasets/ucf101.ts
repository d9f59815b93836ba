// UCF101: videos `UCF-101/<Class>/v_<Class>_gXX_cYY.avi`; lists in `ucfTrainTestlist/`:
// classInd.txt (`<index> <Class>`, 1-based), trainlist0k.txt (`Class/file.avi <index>`) and
// testlist0k.txt (`Class/file.avi`).
import { join } from 'node:path';

import { DataError, lineError } from '../errors.js';
import { DirCache, Problems, type ProblemSink, readLines } from './files.js';
import type { VideoDataset, VideoSample } from './types.js';

export interface Ucf101Options {
  split?: 1 | 2 | 3;
  subset: 'train' | 'test';
  /** Folder of class folders (default <root>/UCF-101). */
  videos?: string;
  /** Folder of the lists (default <root>/ucfTrainTestlist). */
  lists?: string;
  /** Report problems here and keep the sound samples, instead of failing (dataset checks). */
  onProblem?: ProblemSink;
}

export async function readClassInd(file: string): Promise<string[]> {
  const classes: string[] = [];
  for (const l of await readLines(file, 'class index')) {
    const m = /^(\d+)\s+(\S+)$/.exec(l.text);
    if (!m) throw lineError(file, l.n, `expected '<index> <Class>', got '${l.text}'`);
    const idx = Number(m[1]);
    if (idx !== classes.length + 1)
      throw lineError(file, l.n, `class index ${idx} out of order (expected ${classes.length + 1})`);
    classes.push(m[2] as string);
  }
  if (classes.length === 0) throw new DataError(file, 'no classes listed');
  return classes;
}

export async function readUcf101(root: string, o: Ucf101Options): Promise<VideoDataset> {
  const split = o.split ?? 1;
  const videos = o.videos ?? join(root, 'UCF-101');
  const lists = o.lists ?? join(root, 'ucfTrainTestlist');
  const classes = await readClassInd(join(lists, 'classInd.txt'));
  const byLower = new Map(classes.map((c, i) => [c.toLowerCase(), i]));
  const listFile = join(lists, `${o.subset}list0${split}.txt`);
  const lines = await readLines(listFile, `${o.subset} list`);
  const dirs = new DirCache();
  const problems = new Problems(o.onProblem);
  const samples: VideoSample[] = [];
  await Promise.all(
    lines.map(async (l) => {
      const [rel, given, extra] = l.text.split(/\s+/);
      const train = o.subset === 'train';
      if (!rel || extra !== undefined || (train && given === undefined) || (!train && given !== undefined)) {
        const want = train ? 'Class/file.avi <index>' : 'Class/file.avi';
        return problems.add(lineError(listFile, l.n, `expected '${want}', got '${l.text}'`));
      }
      const cls = rel.split('/')[0] as string;
      const label = byLower.get(cls.toLowerCase());
      if (label === undefined || !rel.includes('/')) {
        return problems.add(lineError(listFile, l.n, `'${rel}' is not in a class listed in classInd.txt`));
      }
      if (given !== undefined && Number(given) !== label + 1) {
        return problems.add(
          lineError(listFile, l.n, `label ${given} but classInd.txt gives ${cls} index ${label + 1}`),
        );
      }
      const path = await dirs.resolve(videos, rel);
      if (path === null)
        return problems.add(lineError(listFile, l.n, `video ${join(videos, rel)} does not exist`));
      samples[l.n] = { path, id: rel, label, className: classes[label] as string };
    }),
  );
  problems.throwIfAny(root, `UCF101 ${o.subset} split ${split}`);
  const list = samples.filter((s): s is VideoSample => s !== undefined);
  if (list.length === 0) throw new DataError(listFile, 'lists no videos');
  return { name: 'ucf101', root, classes, samples: list };
}
