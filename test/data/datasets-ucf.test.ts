// UCF101, VISPR and manifest readers on a SynthPAR tree written in the official layouts, and on
// broken copies of it.
import assert from 'node:assert/strict';
import { appendFile, cp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';

import {
  DatasetError,
  detectLayouts,
  parseCsvLine,
  readManifest,
  readUcf101,
  readVispr,
  VISPR1,
} from '../../src/data/datasets/index.js';
import { DataError } from '../../src/data/errors.js';
import {
  camelName,
  classNames,
  synthImage,
  visprSplit,
  writeSynthPAR,
} from '../../src/data/synthpar/index.js';
import { probeVideo } from '../../src/data/video/index.js';
import { tempDir } from './helpers.js';

const opts = { clips: 30, images: 24, width: 32, height: 32, frames: 8, seed: 21 };
let root = '';
let scratch = '';

before(async () => {
  scratch = await tempDir('ucf');
  root = join(scratch, 'synth');
  await writeSynthPAR({ out: root, ...opts });
});

/** A copy of the tree to break. */
async function copy(name: string): Promise<string> {
  const dir = join(scratch, name);
  await cp(root, dir, { recursive: true });
  return dir;
}

test('UCF101: every split and subset reads, labels follow classInd.txt, and videos decode', async () => {
  const classes = classNames('known').map(camelName);
  for (const split of [1, 2, 3] as const) {
    const train = await readUcf101(root, { split, subset: 'train' });
    const test_ = await readUcf101(root, { split, subset: 'test' });
    assert.deepEqual(train.classes, classes);
    assert.equal(train.samples.length + test_.samples.length, opts.clips);
    assert.equal(test_.samples.length, 10, 'one of each class three clips is in the tested groups');
    for (const s of [...train.samples, ...test_.samples]) {
      assert.equal(s.className, classes[s.label]);
      assert.match(s.id, new RegExp(`^${s.className}/v_${s.className}_g\\d\\d_c\\d\\d\\.avi$`));
    }
    const ids = new Set(train.samples.map((s) => s.id));
    assert.ok(
      test_.samples.every((s) => !ids.has(s.id)),
      'train and test do not overlap',
    );
  }
  const { samples } = await readUcf101(root, { subset: 'train' });
  const info = await probeVideo(samples[0]!.path);
  assert.deepEqual([info.frames, info.width, info.height, info.fps], [8, 32, 32, 25]);
});

test('UCF101: a class folder spelt differently from the lists is still found', async () => {
  const dir = await copy('case');
  await rename(join(dir, 'UCF-101', 'RaiseHand'), join(dir, 'UCF-101', 'Raisehand'));
  const { samples } = await readUcf101(dir, { subset: 'train' });
  assert.ok(samples.some((s) => s.path.includes('/Raisehand/') && s.className === 'RaiseHand'));
});

test('UCF101: missing videos, wrong labels and broken lists are errors naming file and line', async () => {
  const dir = await copy('broken-ucf');
  const lists = join(dir, 'ucfTrainTestlist');
  const { samples } = await readUcf101(dir, { subset: 'train' });
  await rm(samples[2]!.path);
  await appendFile(
    join(lists, 'trainlist01.txt'),
    'Squat/v_Squat_g20_c09.avi 6\nClapOverhead/v_Squat_g08_c01.avi 1\nnonsense\n',
  );
  await assert.rejects(readUcf101(dir, { subset: 'train' }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.problems.length, 4);
    assert.match(e.message, /4 problems in UCF101 train split 1/);
    assert.match(e.message, new RegExp(`trainlist01\\.txt:\\d+: video ${samples[2]!.path} does not exist`));
    assert.match(e.message, /trainlist01\.txt:\d+: video .*v_Squat_g20_c09\.avi does not exist/);
    assert.match(e.message, /trainlist01\.txt:\d+: label 1 but classInd\.txt gives ClapOverhead index 5/);
    assert.match(e.message, /trainlist01\.txt:\d+: expected 'Class\/file\.avi <index>', got 'nonsense'/);
    return true;
  });
  await writeFile(join(lists, 'classInd.txt'), '1 WalkRight\n3 SitDown\n');
  await assert.rejects(readUcf101(dir, { subset: 'test' }), /classInd\.txt:2: class index 3 out of order/);
  await rm(join(lists, 'classInd.txt'));
  await assert.rejects(readUcf101(dir, { subset: 'test' }), /classInd\.txt: class index not found/);
});

test('VISPR: per-image JSON labels for VISPR-1, VISPR-2 or any ids; each split reads', async () => {
  const counts = { train: 0, val: 0, test: 0 };
  for (let i = 0; i < opts.images; i++) counts[visprSplit(i)]++;
  for (const split of ['train', 'val', 'test'] as const) {
    const d = await readVispr(join(root, 'vispr'), { split });
    assert.deepEqual(d.attributes, VISPR1);
    assert.equal(d.samples.length, counts[split]);
  }
  const d = await readVispr(join(root, 'vispr'), { split: 'train' });
  for (const s of d.samples) {
    const i = Number(s.id.slice(5)) - 10000000;
    const img = synthImage(opts, i);
    // SynthPAR writes its attributes under the VISPR-1 ids: the reader must give them back.
    const want = new Uint8Array(7);
    [
      'a17_color',
      'a4_gender',
      'a9_face_complete',
      'a10_face_partial',
      'a64_rel_personal',
      'a12_semi_nudity',
      'a65_rel_social',
    ].forEach((id, k) => (want[VISPR1.indexOf(id)] = img.labels[k]!));
    assert.deepEqual(s.labels, want, s.id);
  }
  const two = await readVispr(join(root, 'vispr'), { split: 'train', attributes: 'vispr2' });
  assert.ok(
    two.samples.every((s) => s.labels.every((v) => v === 0)),
    'known SynthPAR has no VISPR-2 attributes',
  );
  const any = await readVispr(join(root, 'vispr'), {
    split: 'train',
    attributes: ['a17_color', 'a99_unknown'],
  });
  assert.ok(any.samples.every((s) => s.labels[1] === 0));
  await assert.rejects(
    readVispr(root, { split: 'train', attributes: ['gender'] }),
    /'gender' is not an attribute id/,
  );
});

test('VISPR: broken JSON, missing labels and missing images are errors naming the files', async () => {
  const dir = join(await copy('broken-vispr'), 'vispr');
  const d = await readVispr(dir, { split: 'train' });
  const ann = (id: string): string => join(dir, 'annotations', 'train2017', `${id}.json`);
  await writeFile(ann(d.samples[0]!.id), '{"labels": [');
  await writeFile(ann(d.samples[1]!.id), '{"id": "x"}');
  await rm(d.samples[2]!.path);
  await assert.rejects(readVispr(dir, { split: 'train' }), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.problems.length, 3);
    assert.match(e.message, new RegExp(`${d.samples[0]!.id}\\.json: invalid JSON`));
    assert.match(e.message, new RegExp(`${d.samples[1]!.id}\\.json: has no 'labels' list`));
    assert.match(e.message, new RegExp(`image ${d.samples[2]!.path} does not exist`));
    return true;
  });
  await assert.rejects(readVispr(dir, { split: 'val', images: join(dir, 'nowhere') }), DataError);
  await rm(join(dir, 'annotations', 'test2017'), { recursive: true });
  await assert.rejects(
    readVispr(dir, { split: 'test' }),
    /annotations\/test2017: annotation folder not found/,
  );
});

test('CSV manifest: SynthPAR video attributes, split filter, quoting and broken rows', async () => {
  const m = await readManifest(join(root, 'video_attributes.csv'));
  assert.equal(m.samples.length, opts.clips);
  assert.deepEqual(m.classes, classNames('known').map(camelName).sort());
  assert.equal(m.attributes.length, 7);
  assert.ok(m.samples.every((s) => s.path.startsWith(root) && s.className === m.classes[s.label]));
  const ucfTest = await readUcf101(root, { subset: 'test' });
  const test_ = await readManifest(join(root, 'video_attributes.csv'), { split: 'test' });
  assert.deepEqual(test_.samples.map((s) => s.path).sort(), ucfTest.samples.map((s) => s.path).sort());

  assert.deepEqual(parseCsvLine('a,"b, c","say ""hi""",'), ['a', 'b, c', 'say "hi"', '']);
  assert.equal(parseCsvLine('"open'), null);
  const dir = await copy('broken-csv');
  const csv = join(dir, 'video_attributes.csv');
  const text = await readFile(csv, 'utf8');
  await writeFile(
    csv,
    text +
      'UCF-101/Squat/none.avi,Squat,train,0,0,0,0,0,0,0\n"oops,Squat\nUCF-101/Squat/v_Squat_g01_c01.avi,Squat,train,2,0,0,0,0,0,0\n',
  );
  await assert.rejects(readManifest(csv), (e: unknown) => {
    assert.ok(e instanceof DatasetError);
    assert.equal(e.problems.length, 3);
    assert.match(e.message, /video_attributes\.csv:32: .*none\.avi does not exist/);
    assert.match(e.message, /video_attributes\.csv:33: expected 10 fields/);
    assert.match(e.message, /video_attributes\.csv:34: attribute a17_color must be 0 or 1, got '2'/);
    return true;
  });
  const idx = join(dir, 'idx.csv');
  await writeFile(
    idx,
    'path,label\nUCF-101/Squat/v_Squat_g01_c01.avi,2\nUCF-101/SitDown/v_SitDown_g01_c01.avi,0\n',
  );
  assert.deepEqual(
    (await readManifest(idx)).samples.map((s) => s.label),
    [2, 0],
  );
  await writeFile(idx, 'file,label\n');
  await assert.rejects(readManifest(idx), /idx\.csv: first line must be a header with a 'path' column/);
});

test('the layouts in a SynthPAR tree are detected', async () => {
  const found = await detectLayouts(root);
  assert.deepEqual(
    found.map((l) => [l.kind, l.root, l.splits]),
    [
      ['ucf101', root, [1, 2, 3]],
      ['manifest', root, undefined],
      ['vispr', join(root, 'vispr'), ['train', 'val', 'test']],
    ],
  );
});
