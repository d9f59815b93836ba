// Person boxes, read only by the obfuscation baselines that blacken or blur the person region.
// SynthPAR writes them (boxes.json at its root); for a real dataset the user gives a file of the
// same format (`veil eval --boxes FILE`), e.g. from a person detector:
//   {"videos": {"UCF-101/Class/v_Class_g01_c01.avi": [[[x0, y0, x1, y1], ...], ...]},
//    "images": {"vispr/test2017/2017_12345678.jpg": [[x0, y0, x1, y1], ...]}}
// Paths relative to the boxes file's folder (or absolute), so one file serves action and privacy
// trees wherever they are; boxes in pixels of the file as stored, x1 and y1 exclusive; a video
// holds one list per frame, from frame 0 (an empty list: nobody there).
import { dirname, isAbsolute, resolve } from 'node:path';

import { readJson } from './datasets/files.js';
import { DataError } from './errors.js';

/** [x0, y0, x1, y1] in pixels, x1 and y1 exclusive. */
export type Box = [number, number, number, number];

export interface PersonBoxes {
  file: string;
  /** The folder relative paths start from: the file's. */
  root: string;
  /** Per video (absolute path): per frame, the boxes of the people in it. */
  videos: Map<string, Box[][]>;
  /** Per image (absolute path): its people's boxes. */
  images: Map<string, Box[]>;
}

// Detectors give fractional pixels; SynthPAR integers. Either way a box has an inside.
const isBox = (b: unknown): b is Box =>
  Array.isArray(b) &&
  b.length === 4 &&
  b.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0) &&
  b[2] > b[0] &&
  b[3] > b[1];

export async function readPersonBoxes(file: string): Promise<PersonBoxes> {
  const root = dirname(resolve(file));
  const j = (await readJson(file)) as { videos?: unknown; images?: unknown } | null;
  const map = (k: 'videos' | 'images'): Record<string, unknown> => {
    const m = j?.[k];
    if (m === undefined) return {};
    if (!m || typeof m !== 'object' || Array.isArray(m))
      throw new DataError(file, `'${k}' must map file paths to boxes (see README, "Person boxes")`);
    return m as Record<string, unknown>;
  };
  const out: PersonBoxes = { file, root, videos: new Map(), images: new Map() };
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(root, p));
  for (const [p, frames] of Object.entries(map('videos'))) {
    if (!Array.isArray(frames) || !frames.every((f) => Array.isArray(f) && f.every(isBox)))
      throw new DataError(file, `${p}: expected a list of frames, each a list of [x0, y0, x1, y1] boxes`);
    out.videos.set(abs(p), frames as Box[][]);
  }
  for (const [p, boxes] of Object.entries(map('images'))) {
    if (!Array.isArray(boxes) || !boxes.every(isBox))
      throw new DataError(file, `${p}: expected a list of [x0, y0, x1, y1] boxes`);
    out.images.set(abs(p), boxes as Box[]);
  }
  if (out.videos.size + out.images.size === 0)
    throw new DataError(file, "holds no boxes: expected 'videos' and 'images' maps");
  return out;
}
