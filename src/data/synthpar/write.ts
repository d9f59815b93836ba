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

export async function writeSynthPAR(o: WriteOptions): Promise<WriteSummary> {
  const variant = o.variant ?? 'known';
  const layout = o.layout ?? 'ucf101';
  const nImages = o.images ?? o.clips;
  if (!(o.clips >= 1 && Number.isInteger(o.clips)))
    throw new Error(`SynthPAR: clips must be a positive integer, got ${o.clips}`);
  await prepare(o.out);
  const cfg = {
    seed: o.seed,
    variant,
    width: o.width,
    height: o.height,
    frames: o.frames,
  };
  const attrs = attributesOf(variant);
  const actions = actionsOf(variant).map((a) => a.id);
  const total = o.clips + nImages;
  let done = 0;
  const tick = (): void => o.onProgress?.(++done, total);

  // Whether a second person is in the clip goes into HMDB51-style names (np1/np2), so it is known
  // before rendering: the attribute comes from the scene's own stream.
  const people = (i: number): number => (sampleScene(o.seed, variant, i).attributes.second_person ? 2 : 1);
  const planned = plan(o, layout, people);
  const videoBoxes: Record<string, Box[][]> = {};
  const videoLabels = new Map<number, Uint8Array>();
  const paHmdb = new Map<string, Record<string, Record<string, unknown>>>();
  await forEachLimit(planned, o.concurrency ?? 2, async (p) => {
    const clip = synthClip(cfg, p.index);
    await writeVideo(join(o.out, p.file), clip.frames, {
      width: o.width,
      height: o.height,
      fps: o.fps ?? 25,
      codec: o.codec ?? 'mjpeg',
    });
    videoBoxes[p.file] = clip.boxes;
    videoLabels.set(p.index, clip.labels);
    if (layout === 'hmdb51')
      paHmdb.set(p.action, {
        ...paHmdb.get(p.action),
        [p.entry]: paHmdbEntry(clip),
      });
    tick();
  });

  const listRoot = layout === 'ucf101' ? 'ucfTrainTestlist' : 'testTrainMulti_7030_splits';
  await mkdir(join(o.out, listRoot), { recursive: true });
  if (layout === 'ucf101') {
    await writeFile(
      join(o.out, listRoot, 'classInd.txt'),
      actions.map((a, i) => `${i + 1} ${camelName(a)}\n`).join(''),
    );
    for (const s of [0, 1, 2]) {
      const train = planned.filter((p) => p.splits[s] === 'train');
      const test = planned.filter((p) => p.splits[s] === 'test');
      // Fewer than three clips a class cannot fill every split's tested groups: skip such splits.
      if (train.length === 0 || test.length === 0) continue;
      await writeFile(
        join(o.out, listRoot, `trainlist0${s + 1}.txt`),
        train.map((p) => `${p.entry} ${actions.indexOf(p.action) + 1}\n`).join(''),
      );
      await writeFile(
        join(o.out, listRoot, `testlist0${s + 1}.txt`),
        test.map((p) => `${p.entry}\n`).join(''),
      );
    }
  } else {
    for (const a of actions) {
      for (const s of [0, 1, 2]) {
        const lines = planned
          .filter((p) => p.action === a)
          .map((p) => `${p.entry} ${p.splits[s] === 'train' ? 1 : p.splits[s] === 'test' ? 2 : 0} \n`);
        await writeFile(join(o.out, listRoot, `${a}_test_split${s + 1}.txt`), lines.join(''));
      }
    }
    await mkdir(join(o.out, 'PrivacyAttributes'), { recursive: true });
    for (const [a, entries] of paHmdb)
      await writeFile(join(o.out, 'PrivacyAttributes', `${a}.json`), JSON.stringify(entries, null, 2));
  }

  const ids = attrs.map((k) => VISPR_ID[k]);
  const csv = ['path,label,split,' + ids.join(',')];
  for (const p of planned) {
    const l = videoLabels.get(p.index) as Uint8Array;
    csv.push(
      [
        csvCell(p.file),
        layout === 'ucf101' ? camelName(p.action) : p.action,
        p.splits[0] ?? 'unused',
        ...l,
      ].join(','),
    );
  }
  await writeFile(join(o.out, 'video_attributes.csv'), csv.join('\n') + '\n');

  const imageBoxes: Record<string, Box[]> = {};
  const indices = Array.from({ length: nImages }, (_, i) => i);
  await forEachLimit(indices, o.concurrency ?? 2, async (i) => {
    const img = synthImage(cfg, i);
    const split = visprSplit(i);
    const id = visprId(i);
    const rel = `vispr/${split}2017/${id}.jpg`;
    await writeImage(join(o.out, rel), img, { quality: 92 });
    const labels = attrs.filter((_, k) => img.labels[k] === 1).map((k) => VISPR_ID[k]);
    const ann = {
      id,
      image_path: `images/${split}2017/${id}.jpg`,
      labels: labels.length ? labels : ['a0_safe'],
    };
    await mkdir(join(o.out, 'vispr', 'annotations', `${split}2017`), {
      recursive: true,
    });
    await writeFile(join(o.out, 'vispr', 'annotations', `${split}2017`, `${id}.json`), JSON.stringify(ann));
    imageBoxes[rel] = img.boxes;
    tick();
  });

  await writeFile(
    join(o.out, 'boxes.json'),
    JSON.stringify({
      format: '[x0, y0, x1, y1] in pixels, x1 and y1 exclusive, the actor first',
      videos: videoBoxes,
      images: imageBoxes,
    }),
  );
  const meta = {
    generator: 'SynthPAR',
    version: 1,
    variant,
    layout,
    seed: o.seed,
    width: o.width,
    height: o.height,
    frames: o.frames,
    fps: o.fps ?? 25,
    codec: o.codec ?? 'mjpeg',
    clips: o.clips,
    images: nImages,
    actions: actionsOf(variant),
    attributes: attrs.map((k) => ({ name: k, vispr: VISPR_ID[k] })),
  };
  await writeFile(join(o.out, 'synthpar.json'), JSON.stringify(meta, null, 2) + '\n');
  return {
    root: o.out,
    videos: o.clips,
    images: nImages,
    videoRoot: layout === 'ucf101' ? 'UCF-101' : 'hmdb51',
    splitRoot: listRoot,
    visprRoot: 'vispr',
  };
}
