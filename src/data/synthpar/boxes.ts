// Reading the person boxes SynthPAR writes beside its videos and images (boxes.json), for the
// obfuscation baselines that blacken or blur the person region.
import { isAbsolute, join } from 'node:path';

import { DataError } from '../errors.js';
import { readJson } from '../datasets/files.js';
import type { Box } from './render.js';

export interface PersonBoxes {
  /** Per video (absolute path): per frame, the boxes of the people in it, the actor first. */
  videos: Map<string, Box[][]>;
  /** Per image (absolute path): its people's boxes. */
  images: Map<string, Box[]>;
}

const isBox = (b: unknown): b is Box =>
  Array.isArray(b) &&
  b.length === 4 &&
  b.every((v) => Number.isInteger(v) && v >= 0) &&
  b[2] > b[0] &&
  b[3] > b[1];

export async function readPersonBoxes(root: string): Promise<PersonBoxes> {
  const file = join(root, 'boxes.json');
  const j = (await readJson(file)) as { videos?: Record<string, unknown>; images?: Record<string, unknown> };
  const out: PersonBoxes = { videos: new Map(), images: new Map() };
  const abs = (p: string): string => (isAbsolute(p) ? p : join(root, p));
  for (const [p, frames] of Object.entries(j.videos ?? {})) {
    if (!Array.isArray(frames) || !frames.every((f) => Array.isArray(f) && f.every(isBox))) {
      throw new DataError(file, `${p}: expected a list of frames, each a list of [x0, y0, x1, y1] boxes`);
    }
    out.videos.set(abs(p), frames as Box[][]);
  }
  for (const [p, boxes] of Object.entries(j.images ?? {})) {
    if (!Array.isArray(boxes) || !boxes.every(isBox)) {
      throw new DataError(file, `${p}: expected a list of [x0, y0, x1, y1] boxes`);
    }
    out.images.set(abs(p), boxes as Box[]);
  }
  return out;
}
