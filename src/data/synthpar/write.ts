// Writes SynthPAR to disk in the official layouts, so that veil's real dataset readers are what
// read it back: videos as UCF101 (or HMDB51 with PA-HMDB51 attributes), privacy images as VISPR,
// person boxes in a sidecar JSON, and synthpar.json, written last, describing the whole.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { forEachLimit } from '../concurrency.js';
import { DataError } from '../errors.js';
import { writeImage } from '../image.js';
import { type VideoCodec, writeVideo } from '../video/encode.js';
import { actionsOf, attributesOf, camelName, type Variant, VISPR_ID } from './catalog.js';
import { synthClip, type SynthClip, synthImage } from './dataset.js';
import { hmdbName, hmdbSplit, ucfIsTest, ucfNames, visprId, visprSplit } from './layout.js';
import type { Box } from './render.js';
import { sampleScene } from './scene.js';

/**
 * What a SynthPAR on disk was drawn by: 2 is the in-place actions, reach boxes, scene context and
 * 4:4:4 videos; 1 the actions that travelled. A workspace keeps the SynthPAR of its own version.
 */
export const SYNTHPAR_VERSION = 2;

export type VideoLayout = 'ucf101' | 'hmdb51';

export interface WriteOptions {
  out: string;
  clips: number;
  /** Privacy images (default: as many as clips). */
  images?: number;
  width: number;
  height: number;
  frames: number;
  seed: number;
  variant?: Variant;
  layout?: VideoLayout;
  fps?: number;
  codec?: VideoCodec;
  /** Encodes in flight at once (default 2). */
  concurrency?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface WriteSummary {
  root: string;
  videos: number;
  images: number;
  /** Relative paths of the main parts. */
  videoRoot: string;
  splitRoot: string;
  visprRoot: string;
}

/** Refuses to scatter files into a folder that holds something other than an earlier SynthPAR. */
async function prepare(out: string): Promise<void> {
  const entries = await readdir(out).catch(() => null);
  if (entries && entries.length > 0 && !entries.includes('synthpar.json')) {
    throw new DataError(out, 'folder is not empty and holds no synthpar.json; choose an empty or new folder');
  }
  await mkdir(out, { recursive: true });
}

interface Planned {
  index: number;
  action: string;
  /** Path relative to the output root. */
  file: string;
  /** Per split 1..3: 'train' | 'test' | null (unused). */
  splits: ('train' | 'test' | null)[];
  /** UCF list line (relative to UCF-101/) or HMDB file name. */
  entry: string;
}

function plan(o: WriteOptions, layout: VideoLayout, people: (i: number) => number): Planned[] {
  const actions = actionsOf(o.variant ?? 'known');
  const byAction = new Map<string, number[]>();
  for (let i = 0; i < o.clips; i++) {
    const a = (actions[i % actions.length] as { id: string }).id;
    byAction.set(a, [...(byAction.get(a) ?? []), i]);
  }
  const out: Planned[] = [];
  for (const [action, idx] of byAction) {
    if (layout === 'ucf101') {
      const names = ucfNames(action, idx.length);
      idx.forEach((index, k) => {
        const n = names[k] as (typeof names)[number];
        const splits = ([1, 2, 3] as const).map(
          (s) => (ucfIsTest(n.group, s) ? 'test' : 'train') as 'train' | 'test',
        );
        out.push({
          index,
          action,
          file: `UCF-101/${n.path}`,
          splits,
          entry: n.path,
        });
      });
    } else {
      idx.forEach((index, k) => {
        const name = hmdbName(index, action, people(index));
        const splits = ([1, 2, 3] as const).map(
          (s) => (({ 0: null, 1: 'train', 2: 'test' }) as const)[hmdbSplit(k, idx.length, s)],
        );
        out.push({
          index,
          action,
          file: `hmdb51/${action}/${name}`,
          splits,
          entry: name,
        });
      });
    }
  }
  return out.sort((a, b) => a.index - b.index);
}

const csvCell = (s: string): string => (/[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** PA-HMDB51 values for SynthPAR's looks: skin 1 white / 3 black, face 2 complete / 0 none, ... */
function paHmdbEntry(c: SynthClip): Record<string, unknown> {
  const a = c.scene.attributes;
  const last = c.frames.length - 1;
  const range = (v: number): number[][] => [[0, last, v]];
  return {
    skin_color: range(a.dark_skin ? 3 : 1),
    face: range(a.face_visible ? 2 : 0),
    gender: range(a.long_hair ? 2 : 1),
    nudity: range(0),
    relationship: range(a.second_person ? 1 : 0),
    review: true,
    note: 'SynthPAR',
  };
}

/** Keys sorted: files written by concurrent encoders still come out byte-identical per seed. */
const sorted = <T>(m: Map<string, T>): Record<string, T> =>
  Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

interface Written {
  boxes: Map<string, Box[][]>;
  labels: Map<number, Uint8Array>;
  /** PA-HMDB51 entries per action, per video file name. */
  paHmdb: Map<string, Map<string, Record<string, unknown>>>;
}

/** The options with their defaults filled in. */
type Resolved = WriteOptions &
  Required<Pick<WriteOptions, 'variant' | 'layout' | 'fps' | 'codec' | 'concurrency'>>;

async function writeVideos(o: Resolved, planned: Planned[], tick: () => void): Promise<Written> {
  const w: Written = { boxes: new Map(), labels: new Map(), paHmdb: new Map() };
  const cfg = { seed: o.seed, variant: o.variant, width: o.width, height: o.height, frames: o.frames };
  await forEachLimit(planned, o.concurrency, async (p) => {
    const clip = synthClip(cfg, p.index);
    await writeVideo(join(o.out, p.file), clip.frames, {
      width: o.width,
      height: o.height,
      fps: o.fps,
      codec: o.codec,
      // As its VISPR JPEGs: at demo sizes a forearm is two pixels wide, and 4:2:0 chroma would
      // average a sleeve's colour into the skin beside it (the judges' backbones learned the
      // actions on frames that were never compressed).
      chroma: '4:4:4',
    });
    w.boxes.set(p.file, clip.boxes);
    w.labels.set(p.index, clip.labels);
    if (o.layout === 'hmdb51') {
      const entries = w.paHmdb.get(p.action) ?? new Map<string, Record<string, unknown>>();
      w.paHmdb.set(p.action, entries.set(p.entry, paHmdbEntry(clip)));
    }
    tick();
  });
  return w;
}

/** classInd.txt and the split lists that have both train and test clips. */
async function writeUcfLists(dir: string, actions: string[], planned: Planned[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'classInd.txt'), actions.map((a, i) => `${i + 1} ${camelName(a)}\n`).join(''));
  for (const s of [0, 1, 2]) {
    const train = planned.filter((p) => p.splits[s] === 'train');
    const test = planned.filter((p) => p.splits[s] === 'test');
    // Fewer than three clips a class cannot fill every split's tested groups: skip such splits.
    if (train.length === 0 || test.length === 0) continue;
    const label = (p: Planned): number => actions.indexOf(p.action) + 1;
    await writeFile(
      join(dir, `trainlist0${s + 1}.txt`),
      train.map((p) => `${p.entry} ${label(p)}\n`).join(''),
    );
    await writeFile(join(dir, `testlist0${s + 1}.txt`), test.map((p) => `${p.entry}\n`).join(''));
  }
}

/** Per action and split `<action>_test_split<k>.txt`, and PA-HMDB51's per-action JSON. */
async function writeHmdbLists(
  root: string,
  actions: string[],
  planned: Planned[],
  w: Written,
): Promise<void> {
  const dir = join(root, 'testTrainMulti_7030_splits');
  await mkdir(dir, { recursive: true });
  const code = (x: 'train' | 'test' | null | undefined): number => (x === 'train' ? 1 : x === 'test' ? 2 : 0);
  for (const a of actions) {
    for (const s of [0, 1, 2]) {
      // The official files end each line with a space; readers must cope, so SynthPAR does too.
      const lines = planned.filter((p) => p.action === a).map((p) => `${p.entry} ${code(p.splits[s])} \n`);
      await writeFile(join(dir, `${a}_test_split${s + 1}.txt`), lines.join(''));
    }
  }
  await mkdir(join(root, 'PrivacyAttributes'), { recursive: true });
  for (const [a, entries] of w.paHmdb) {
    await writeFile(join(root, 'PrivacyAttributes', `${a}.json`), JSON.stringify(sorted(entries), null, 2));
  }
}

/** The video-level attributes as a CSV manifest (VP-UCF101 style), split 1's subsets. */
async function writeVideoAttributes(o: WriteOptions, planned: Planned[], w: Written): Promise<void> {
  const attrs = attributesOf(o.variant ?? 'known');
  const rows = planned.map((p) => {
    const name = o.layout === 'hmdb51' ? p.action : camelName(p.action);
    return [csvCell(p.file), name, p.splits[0] ?? 'unused', ...(w.labels.get(p.index) as Uint8Array)].join(
      ',',
    );
  });
  const head = ['path', 'label', 'split', ...attrs.map((k) => VISPR_ID[k])].join(',');
  await writeFile(join(o.out, 'video_attributes.csv'), [head, ...rows].join('\n') + '\n');
}

/** VISPR-style images and per-image annotations; returns the images' person boxes. */
async function writeImages(o: WriteOptions, count: number, tick: () => void): Promise<Map<string, Box[]>> {
  const attrs = attributesOf(o.variant ?? 'known');
  const boxes = new Map<string, Box[]>();
  const cfg = { seed: o.seed, variant: o.variant, width: o.width, height: o.height };
  const indices = Array.from({ length: count }, (_, i) => i);
  await forEachLimit(indices, o.concurrency ?? 2, async (i) => {
    const img = synthImage(cfg, i);
    const split = visprSplit(i);
    const id = visprId(i);
    const rel = `vispr/${split}2017/${id}.jpg`;
    // Full-resolution chroma: with 4:2:0 a logo or badge of two pixels loses its colour, and a
    // private attribute would be gone before any anonymizer touched it.
    await writeImage(join(o.out, rel), img, { quality: 92, chroma: '4:4:4' });
    const labels = attrs.filter((_, k) => img.labels[k] === 1).map((k) => VISPR_ID[k]);
    // VISPR marks an image with no private attribute as a0_safe.
    const ann = {
      id,
      image_path: `images/${split}2017/${id}.jpg`,
      labels: labels.length ? labels : ['a0_safe'],
    };
    const annDir = join(o.out, 'vispr', 'annotations', `${split}2017`);
    await mkdir(annDir, { recursive: true });
    await writeFile(join(annDir, `${id}.json`), JSON.stringify(ann));
    boxes.set(rel, img.boxes);
    tick();
  });
  return boxes;
}

export async function writeSynthPAR(opts: WriteOptions): Promise<WriteSummary> {
  const o: Resolved = {
    ...opts,
    ...{ variant: opts.variant ?? 'known', layout: opts.layout ?? 'ucf101', fps: opts.fps ?? 25 },
    ...{ codec: opts.codec ?? 'mjpeg', concurrency: opts.concurrency ?? 2 },
  };
  const images = o.images ?? o.clips;
  if (!(Number.isInteger(o.clips) && o.clips >= 1))
    throw new Error(`SynthPAR: clips must be a positive integer, got ${o.clips}`);
  await prepare(o.out);
  let done = 0;
  const tick = (): void => o.onProgress?.(++done, o.clips + images);
  // Whether a second person is in a clip goes into HMDB51-style names (np1/np2), so it is read
  // from the scene before rendering.
  const people = (i: number): number => (sampleScene(o.seed, o.variant, i).attributes.second_person ? 2 : 1);
  const planned = plan(o, o.layout, people);
  const actions = actionsOf(o.variant).map((a) => a.id);
  const w = await writeVideos(o, planned, tick);
  const listRoot = o.layout === 'ucf101' ? 'ucfTrainTestlist' : 'testTrainMulti_7030_splits';
  if (o.layout === 'ucf101') await writeUcfLists(join(o.out, listRoot), actions, planned);
  else await writeHmdbLists(o.out, actions, planned, w);
  await writeVideoAttributes(o, planned, w);
  const imageBoxes = await writeImages(o, images, tick);
  const format = '[x0, y0, x1, y1] in pixels, x1 and y1 exclusive, the actor first';
  await writeFile(
    join(o.out, 'boxes.json'),
    JSON.stringify({ format, videos: sorted(w.boxes), images: sorted(imageBoxes) }),
  );
  const meta = {
    ...{
      generator: 'SynthPAR',
      version: SYNTHPAR_VERSION,
      variant: o.variant,
      layout: o.layout,
      seed: o.seed,
    },
    ...{
      width: o.width,
      height: o.height,
      frames: o.frames,
      fps: o.fps,
      codec: o.codec,
      clips: o.clips,
      images,
    },
    actions: actionsOf(o.variant),
    attributes: attributesOf(o.variant).map((k) => ({ name: k, vispr: VISPR_ID[k] })),
  };
  // Written last: its presence says the folder is a whole SynthPAR.
  await writeFile(join(o.out, 'synthpar.json'), JSON.stringify(meta, null, 2) + '\n');
  const videoRoot = o.layout === 'ucf101' ? 'UCF-101' : 'hmdb51';
  return { root: o.out, videos: o.clips, images, videoRoot, splitRoot: listRoot, visprRoot: 'vispr' };
}
