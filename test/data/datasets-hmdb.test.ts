// HMDB51, PA-HMDB51 and folder-of-videos readers: SynthPAR's novel variant written in the HMDB51
// layout with PA-HMDB51 annotations, a folder tree of encoded SynthPAR clips, and broken copies.
import assert from 'node:assert/strict';
import { appendFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';

import {
  DatasetError,
  detectLayouts,
  PA_ATTRIBUTES,
  paPresence,
  paValuesAt,
  readHmdb51,
  readPaHmdb51,
  readVideoFolder,
} from '../../src/data/datasets/index.js';
import {
  classNames,
  hmdbSplit,
  sampleScene,
  synthClip,
  writeSynthPAR,
} from '../../src/data/synthpar/index.js';
import { decodeFrames, writeVideo } from '../../src/data/video/index.js';
import { tempDir } from './helpers.js';

const opts = { clips: 30, images: 4, width: 32, height: 32, frames: 8, seed: 5, variant: 'novel' as const };
let root = '';
let scratch = '';

before(async () => {
  scratch = await tempDir('hmdb');
  root = join(scratch, 'synth');
  await writeSynthPAR({ out: root, ...opts, layout: 'hmdb51' });
});

async function copy(name: string): Promise<string> {
  const dir = join(scratch, name);
  await cp(root, dir, { recursive: true });
  return dir;
}

test('HMDB51: split files with 0/1/2 give train and test sets over alphabetical classes', async () => {
  const classes = classNames('novel').sort();
  for (const split of [1, 2, 3] as const) {
    const train = await readHmdb51(root, { split, subset: 'train' });
    const test_ = await readHmdb51(root, { split, subset: 'test' });
    assert.deepEqual(train.classes, classes);
    const want = { 1: 0, 2: 0 };
    for (let k = 0; k < 3; k++) {
      const v = hmdbSplit(k, 3, split);
      if (v !== 0) want[v] += classes.length;
    }
    assert.deepEqual([train.samples.length, test_.samples.length], [want[1], want[2]]);
    for (const s of [...train.samples, ...test_.samples]) {
      assert.equal(s.className, classes[s.label]);
      assert.ok(s.path.includes(`/hmdb51/${s.className}/`));
    }
  }
  const one = (await readHmdb51(root, { subset: 'test' })).samples[0]!;
  assert.equal((await decodeFrames(one.path, [7])).frames.length, 1);
});

test('HMDB51: bad lines, missing videos and missing action folders are reported together', async () => {
  const dir = await copy('broken-hmdb');
  const splits = join(dir, 'testTrainMulti_7030_splits');
  const { samples } = await readHmdb51(dir, { subset: 'train' });
  await rm(samples[0]!.path);
  await appendFile(join(splits, 'march_test_split1.txt'), 'extra.avi 3\n');
  await writeFile(join(splits, 'fly_test_split1.txt'), 'a.avi 1\n');
  await assert.rejects(readHmdb51(dir, { subset: 'train' }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.problems.length, 3);
    assert.match(e.message, /hmdb51\/fly: video folder of action 'fly'/);
    assert.match(e.message, /march_test_split1\.txt:4: expected '<video> <0\|1\|2>', got 'extra\.avi 3'/);
    assert.match(e.message, new RegExp(`video ${samples[0]!.path} does not exist`));
    return true;
  });
  await assert.rejects(
    readHmdb51(dir, { split: 2, subset: 'train', splits: join(dir, 'hmdb51') }),
    /no '<action>_test_split2\.txt' split files/,
  );
});

test('PA-HMDB51: frame-range attributes per video, joined to the HMDB51 videos', async () => {
  const d = await readPaHmdb51(root);
  assert.equal(d.samples.length, opts.clips);
  assert.deepEqual(d.classes, classNames('novel').sort());
  for (const s of d.samples) {
    const index = Number(/SynthPAR_(\d+)_/.exec(s.id)![1]);
    const a = sampleScene(opts.seed, 'novel', index).attributes;
    const presence = paPresence(s);
    assert.equal(presence.length, PA_ATTRIBUTES.length);
    assert.equal(presence[PA_ATTRIBUTES.indexOf('face')], a.face_visible ? 1 : 0);
    assert.equal(presence[PA_ATTRIBUTES.indexOf('relationship')], a.second_person ? 1 : 0);
    assert.deepEqual(paValuesAt(s, 3).skin_color, [a.dark_skin ? 3 : 1]);
    assert.deepEqual(paValuesAt(s, 99).skin_color, [0], 'past the annotated ranges nothing is visible');
  }
});

test('PA-HMDB51: several values in a range, bad ranges and missing videos', async () => {
  const dir = await copy('broken-pa');
  const file = join(dir, 'PrivacyAttributes', 'march.json');
  const ann = JSON.parse(await readFile(file, 'utf8')) as Record<string, Record<string, unknown>>;
  const [first, second] = Object.keys(ann) as [string, string];
  ann[first]!.gender = [
    [0, 3, [1, 2]],
    [4, 7, 0],
  ];
  await writeFile(file, JSON.stringify(ann));
  const s = (await readPaHmdb51(dir)).samples.find((x) => x.id === `march/${first}`)!;
  assert.deepEqual(paValuesAt(s, 2).gender, [1, 2]);
  assert.deepEqual(paValuesAt(s, 5).gender, [0]);
  assert.deepEqual(paValuesAt(s).gender, [0, 1, 2]);
  assert.equal(paPresence(s, 5)[PA_ATTRIBUTES.indexOf('gender')], 0);

  ann[first]!.face = [[5, 2, 1]];
  ann['ghost.avi'] = structuredClone(ann[second]!);
  delete ann[second]!.nudity;
  await writeFile(file, JSON.stringify(ann));
  await assert.rejects(readPaHmdb51(dir), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.problems.length, 3);
    assert.match(e.message, new RegExp(`march\\.json: ${first}: 'face' missing or not a list`));
    assert.match(e.message, new RegExp(`march\\.json: ${second}: 'nudity' missing`));
    assert.match(e.message, /march\.json: ghost\.avi: video .*ghost\.avi does not exist/);
    return true;
  });
  await writeFile(file, '[1, 2');
  await assert.rejects(readPaHmdb51(dir), /march\.json: invalid JSON/);
});

test('a folder of videos per class, in any container; empty classes are errors', async () => {
  const dir = join(scratch, 'folder');
  const clip = (i: number): Uint8Array[] =>
    synthClip({ seed: 2, width: 32, height: 24, frames: 4 }, i).frames;
  const enc = { width: 32, height: 24 };
  await writeVideo(join(dir, 'jump', 'a.mp4'), clip(0), enc);
  await writeVideo(join(dir, 'jump', 'b.avi'), clip(1), enc);
  await writeVideo(join(dir, 'wave', 'c.mkv'), clip(2), enc);
  await writeFile(join(dir, 'wave', 'notes.txt'), 'not a video');
  const d = await readVideoFolder(dir);
  assert.deepEqual(d.classes, ['jump', 'wave']);
  assert.deepEqual(
    d.samples.map((s) => [s.id, s.label]),
    [
      ['jump/a.mp4', 0],
      ['jump/b.avi', 0],
      ['wave/c.mkv', 1],
    ],
  );
  assert.deepEqual(await detectLayouts(dir), [{ kind: 'folder', root: dir }]);
  await mkdir(join(dir, 'empty'));
  await assert.rejects(readVideoFolder(dir), /folder\/empty: class folder holds no videos/);
  await assert.rejects(readVideoFolder(join(dir, 'jump')), /has no class folders/);
});

test('the HMDB51 SynthPAR tree is detected with its PA-HMDB51 annotations', async () => {
  const kinds = (await detectLayouts(root)).map((l) => l.kind);
  assert.deepEqual(kinds, ['hmdb51', 'pahmdb51', 'manifest', 'vispr']);
});
