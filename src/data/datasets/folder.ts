// A folder of videos per class: `<root>/<class>/<video>`, classes in alphabetical order.
import { extname, join } from 'node:path';

import { DataError } from '../errors.js';
import { listDir, type ProblemSink, Problems } from './files.js';
import { VIDEO_EXTENSIONS, type VideoDataset, type VideoSample } from './types.js';

export interface FolderOptions {
  extensions?: string[];
  /** Report problems here and keep the sound samples, instead of failing (dataset checks). */
  onProblem?: ProblemSink;
}

export async function readVideoFolder(root: string, o: FolderOptions = {}): Promise<VideoDataset> {
  const exts = (o.extensions ?? VIDEO_EXTENSIONS).map((e) => e.toLowerCase());
  const entries = await listDir(root);
  if (entries === null) throw new DataError(root, 'folder not found');
  const classes = entries.filter((e) => e.isDir).map((e) => e.name);
  if (classes.length === 0)
    throw new DataError(root, 'has no class folders (expected <root>/<class>/<video>)');
  const problems = new Problems(o.onProblem);
  const samples: VideoSample[] = [];
  for (const [label, c] of classes.entries()) {
    const files = ((await listDir(join(root, c))) ?? []).filter(
      (e) => !e.isDir && exts.includes(extname(e.name).toLowerCase()),
    );
    if (files.length === 0)
      problems.add(new DataError(join(root, c), `class folder holds no videos (${exts.join(' ')})`));
    for (const f of files)
      samples.push({ path: join(root, c, f.name), id: `${c}/${f.name}`, label, className: c });
  }
  problems.throwIfAny(root, 'video folder');
  return { name: 'folder', root, classes, samples };
}
