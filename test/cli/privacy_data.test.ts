// The paper's other datasets as users have them, in small trees that ffmpeg and sharp write here:
// HMDB51 with PA-HMDB51's frame-range labels, UCF101 and HMDB51 with STPrivacy's video-level labels
// (VP-UCF101, VP-HMDB51) in the CSV the paper's authors load, and VISPR. HMDB51 + PA-HMDB51 goes
// through pretrain, train and eval; `veil eval` runs the novel protocols (UCF101 -> HMDB51,
// VISPR-1 -> VISPR-2, VP-HMDB51 -> VP-UCF101) and the video-level attacker of VP-*.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import sharp from 'sharp';

import {
  PA_ATTRIBUTES,
  paHmdbSubsets,
  readPaHmdb51,
  readUcf101,
  readVpLabels,
  VISPR1,
  VISPR2,
  VP_ATTRIBUTES,
  withVpLabels,
} from '../../src/data/datasets/index.js';
import { FrameReader } from '../../src/data/loader/index.js';
import { readSets } from '../../src/runs/data.js';
import { dataSource } from '../../src/runs/options.js';
import { ROOT, tempDir } from '../helpers.js';

const veil = (...args: string[]) =>
  spawnSync('node', [join(ROOT, 'bin', 'veil.js'), ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, VEIL_THREADS: '1' },
  });

const TOY = ['--size', '16', '--frames', '4', '--video-frames', '8', '-q'];
// Each class a different ffmpeg source (life draws a new board per seed), 5 training and 2 test videos.
const UCF = { Basketball: 'testsrc2', Drumming: 'mandelbrot', Rowing: 'life' } as const;
const HMDB = { brush_hair: 'testsrc2', cartwheel: 'mandelbrot', chew: 'life' } as const;
const TRAIN = 5;
const PER_CLASS = 7;

let dir = '';
const ucf = () => join(dir, 'ucf');
const hmdb = () => join(dir, 'hmdb');
const pa = () => join(dir, 'pa');
const vispr = () => join(dir, 'vispr');
const vpUcf = () =>
  join(ucf(), 'ucfTrainTestlist', 'VPUCF_annotations', 'vp_ucf101_privacy_attribute_label.csv');
const vpHmdb = () =>
  join(hmdb(), 'hmdbTrainTestlist', 'VPHMDB_annotations', 'vp_hmdb51_privacy_attribute_label.csv');

function video(out: string, source: string, seed: number): void {
  // 4:3, 12 frames at 25 fps, MPEG-4 in AVI as both datasets store them.
  const src = `${source}=size=40x30:rate=25${source === 'life' ? `:seed=${seed}` : ''}`;
  execFileSync('ffmpeg', [
    '-nostdin',
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    src,
    '-frames:v',
    '12',
    '-c:v',
    'mpeg4',
    out,
  ]);
}

/** VP-HMDB51 -> VP-UCF101, the novel protocol of STPrivacy's video-level labels. */
const vpToVp = (): string[] => [
  '--action-data',
  hmdb(),
  '--privacy-data',
  vpHmdb(),
  '--novel-action-data',
  ucf(),
  '--novel-privacy-data',
  vpUcf(),
];

/** A video's five VP labels: set by its class and number, so every attribute has both values in test. */
const vpLabels = (label: number, i: number): number[] =>
  VP_ATTRIBUTES.map((_, a) => ((label + i + a) % 2 === 0 ? 1 : 0));

before(async () => {
  dir = tempDir('veil-privacy-data-');
  // UCF101 with the VP-UCF101 CSV as the authors' loader reads it: pandas' index column, paths
  // named .mp4 (the .avi on disk is found), the labels as the pickles' 1x5 arrays.
  const lists = join(ucf(), 'ucfTrainTestlist');
  mkdirSync(join(lists, 'VPUCF_annotations'), { recursive: true });
  const names = Object.keys(UCF) as (keyof typeof UCF)[];
  writeFileSync(join(lists, 'classInd.txt'), names.map((c, i) => `${i + 1} ${c}\n`).join(''));
  const [train, testList, csv] = [[] as string[], [] as string[], [',File Path,Array Values']];
  names.forEach((c, label) => {
    mkdirSync(join(ucf(), 'UCF-101', c), { recursive: true });
    for (let i = 0; i < PER_CLASS; i++) {
      const rel = `${c}/v_${c}_g${String(i + 1).padStart(2, '0')}_c01.avi`;
      video(join(ucf(), 'UCF-101', rel), UCF[c], i + 1);
      if (i < TRAIN) train.push(`${rel} ${label + 1}`);
      else testList.push(rel);
      csv.push(`${csv.length - 1},${rel.replace('.avi', '.mp4')},"[[${vpLabels(label, i).join(', ')}]]"`);
    }
  });
  for (const k of [1, 2, 3]) {
    writeFileSync(join(lists, `trainlist0${k}.txt`), `${train.join('\n')}\n`);
    writeFileSync(join(lists, `testlist0${k}.txt`), `${testList.join('\n')}\n`);
  }
  writeFileSync(vpUcf(), `${csv.join('\n')}\n`);

  // HMDB51 (its own folder), the VP-HMDB51 CSV (flat lists, no index column), and PA-HMDB51's
  // per-action JSON (another folder, as its repository ships it): frame ranges that change mid-video.
  const splits = join(hmdb(), 'testTrainMulti_7030_splits');
  mkdirSync(splits, { recursive: true });
  mkdirSync(join(hmdb(), 'hmdbTrainTestlist', 'VPHMDB_annotations'), { recursive: true });
  mkdirSync(join(pa(), 'PrivacyAttributes'), { recursive: true });
  const hcsv = ['File Path,Array Values'];
  (Object.keys(HMDB) as (keyof typeof HMDB)[]).forEach((action, label) => {
    mkdirSync(join(hmdb(), 'hmdb51_org', action), { recursive: true });
    const lines: string[] = [];
    const ann: Record<string, Record<string, [number, number, number | number[]][]>> = {};
    for (let i = 0; i < PER_CLASS; i++) {
      const name = `${action}_clip_${i}.avi`;
      video(join(hmdb(), 'hmdb51_org', action, name), HMDB[action], 50 + i);
      lines.push(`${name} ${i < TRAIN ? 1 : 2} `);
      hcsv.push(`${action}/${name.replace('.avi', '.mp4')},"[${vpLabels(label, i).join(', ')}]"`);
      const on = (label + i) % 2;
      ann[name] = {
        skin_color: [[0, 11, on ? 1 : 0]],
        face: [
          [0, 5, 2],
          [6, 11, on ? 1 : 0],
        ],
        gender: [[0, 11, on ? [1, 2] : 0]],
        nudity: [[0, 11, i % 3 === 0 ? 1 : 0]],
        relationship: [[0, 11, 1 - on]],
      };
    }
    // One more listed video HMDB51 leaves unused (0): PA-HMDB51 does not label it.
    lines.push(`${action}_unused.avi 0 `);
    for (const k of [1, 2, 3])
      writeFileSync(join(splits, `${action}_test_split${k}.txt`), `${lines.join('\n')}\n`);
    writeFileSync(join(pa(), 'PrivacyAttributes', `${action}.json`), JSON.stringify(ann));
  });
  writeFileSync(vpHmdb(), `${hcsv.join('\n')}\n`);

  // VISPR: images labelled with VISPR-1 and VISPR-2 attributes, for VISPR-1 -> VISPR-2.
  let n = 0;
  for (const [split, count] of Object.entries({ train: 24, val: 6, test: 10 })) {
    mkdirSync(join(vispr(), `${split}2017`), { recursive: true });
    mkdirSync(join(vispr(), 'annotations', `${split}2017`), { recursive: true });
    for (let i = 0; i < count; i++, n++) {
      const id = `2017_${String(20_000_000 + n * 7919).padStart(8, '0')}`;
      const px = Buffer.alloc(48 * 36 * 3, (n * 37) % 256);
      await sharp(px, { raw: { width: 48, height: 36, channels: 3 } })
        .jpeg()
        .toFile(join(vispr(), `${split}2017`, `${id}.jpg`));
      const labels = [...VISPR1, ...VISPR2].filter((_, a) => ((n + a) & 3) === 0);
      writeFileSync(
        join(vispr(), 'annotations', `${split}2017`, `${id}.json`),
        JSON.stringify({ id, labels }),
      );
    }
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

test('the VP CSV: both nestings, .mp4 names match .avi files, bad rows and unlabelled videos named', async () => {
  const vp = await readVpLabels(vpUcf());
  assert.deepEqual(vp.attributes, ['face', 'skin_color', 'gender', 'nudity', 'relationship']);
  assert.equal(vp.byVideo.size, 21);
  const ds = withVpLabels(await readUcf101(ucf(), { subset: 'test' }), vp);
  assert.deepEqual(ds.samples.map((s) => [s.id, Array.from(s.labels)]).slice(0, 2), [
    ['Basketball/v_Basketball_g06_c01.avi', vpLabels(0, 5)],
    ['Basketball/v_Basketball_g07_c01.avi', vpLabels(0, 6)],
  ]);
  assert.deepEqual(
    Array.from((await readVpLabels(vpHmdb())).byVideo.get('chew/chew_clip_3') ?? []),
    vpLabels(2, 3),
  );

  const bad = join(dir, 'bad.csv');
  writeFileSync(
    bad,
    'File Path,Array Values\nA/a.mp4,"[1, 0, 2, 0, 0]"\nB/b.mp4,"[[1, 0, 1, 0]]"\nc.mp4,[1]\n',
  );
  await assert.rejects(readVpLabels(bad), (e: Error) => {
    assert.match(e.message, /3 problems in VP privacy attributes/);
    assert.match(
      e.message,
      /bad\.csv:2: 'Array Values' must list 5 labels of 0 or 1 like \[1, 0, 1, 0, 0\], got '\[1, 0, 2, 0, 0\]'/,
    );
    assert.match(e.message, /bad\.csv:3: 'Array Values' must list 5 labels/);
    assert.match(e.message, /bad\.csv:4: 'File Path' must be Class\/video, got 'c\.mp4'/);
    return true;
  });
  writeFileSync(bad, 'path,labels\n');
  await assert.rejects(
    readVpLabels(bad),
    /bad\.csv: first line must be a header with 'File Path' and 'Array Values' columns/,
  );
  writeFileSync(bad, 'File Path,Array Values\nBasketball/v_Basketball_g06_c01.mp4,"[1, 0, 1, 0, 0]"\n');
  assert.throws(
    () =>
      withVpLabels(ds, {
        file: bad,
        attributes: [...VP_ATTRIBUTES],
        byVideo: new Map([['basketball/v_basketball_g06_c01', new Uint8Array(5)]]),
      }),
    /bad\.csv: no privacy labels for ucf101 video 'Basketball\/v_Basketball_g07_c01\.avi'/,
  );
});

test("PA-HMDB51 follows HMDB51's split; its frames are privacy images labelled at their frame", async () => {
  const src = await dataSource({
    preset: 'demo',
    'video-frames': 8,
    variant: 'known',
    'action-data': hmdb(),
    'privacy-data': pa(),
  });
  assert.deepEqual([src.format, src.privacyFormat], ['hmdb51', 'pahmdb51']);
  const ds = await readPaHmdb51(pa(), { videos: join(hmdb(), 'hmdb51_org') });
  const parts = await paHmdbSubsets(ds, join(hmdb(), 'testTrainMulti_7030_splits'), 1, 8);
  // HMDB51 tests on clips 5 and 6 of each action; an action of 5 training videos gives its last to validation.
  assert.deepEqual(
    parts.test.map((s) => s.id).filter((id) => id.startsWith('chew/')),
    ['chew/chew_clip_5.avi', 'chew/chew_clip_6.avi'],
  );
  assert.deepEqual(
    parts.val.map((s) => s.id),
    ['brush_hair/brush_hair_clip_4.avi', 'cartwheel/cartwheel_clip_4.avi', 'chew/chew_clip_4.avi'],
  );
  assert.equal(parts.train.length, 12);

  const reader = new FrameReader({ workers: 1 });
  const sets = await readSets(
    src,
    { variant: 'known', clips: 0, images: 0, width: 16, height: 16, frames: 8, seed: 0 },
    8,
    reader,
  );
  assert.deepEqual(sets.testImages.attributes, [...PA_ATTRIBUTES]);
  // 4 evenly spaced frames of 12 (1, 4, 7, 10) per video; 'face' is complete in frames 0-5 only.
  const ids = sets.testImages.items.map((im) => im.id);
  assert.deepEqual(
    ids.slice(0, 4),
    [1, 4, 7, 10].map((f) => `brush_hair/brush_hair_clip_5.avi#${f}`),
  );
  const face = (id: string) => sets.testImages.items.find((im) => im.id === id)?.labels[1];
  // brush_hair (label 0) clip 5: on = 1, so a partial face later; clip 6: on = 0, no face after frame 5.
  assert.deepEqual(
    [1, 4, 7, 10].map((f) => face(`brush_hair/brush_hair_clip_6.avi#${f}`)),
    [1, 1, 0, 0],
  );
  assert.deepEqual(
    [1, 4, 7, 10].map((f) => face(`brush_hair/brush_hair_clip_5.avi#${f}`)),
    [1, 1, 1, 1],
  );
  const first = sets.testImages.items[0] as (typeof sets.testImages.items)[number];
  assert.equal(
    (await reader.frames(first.source)).length,
    4 * 16 * 16 * 3,
    "a video's 4 frames, read together",
  );
  assert.equal(sets.videoAttributes, undefined);
  await reader.close();
});

test(
  'HMDB51 + PA-HMDB51 through pretrain, train and eval; the novel protocol UCF101 -> HMDB51 and VP-UCF101',
  { timeout: 600_000 },
  () => {
    const ws = join(dir, 'ws-pa');
    const common = ['--action-data', hmdb(), '--privacy-data', pa(), '--workspace', ws, ...TOY];
    for (const what of ['anonymizer', 'privacy', 'action']) {
      const r = veil('pretrain', what, ...common);
      assert.equal(r.status, 0, `pretrain ${what}: ${r.stderr}`);
    }
    const train = veil(
      'train',
      ...common,
      '-B',
      '0.3',
      '--epochs',
      '1',
      '--clips-per-batch',
      '4',
      '--images-per-batch',
      '8',
    );
    assert.equal(train.status, 0, train.stderr);
    const fA = join(ws, 'runs', 'veil-B0.3', 'fA.safetensors');
    assert.ok(existsSync(fA));

    const r = veil(
      'eval',
      ...common,
      '--weights',
      fA,
      '--judge-epochs',
      '1',
      '--novel-action-data',
      ucf(),
      '--novel-privacy-data',
      vpUcf(),
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      cmap: { values: number[] };
      attributes: string[];
      novel: {
        top1: { values: number[] };
        cmap: { values: number[] };
        classes: string[];
        attributes: string[];
        data: { format: string; privacyFormat: string };
      };
    };
    assert.deepEqual(out.attributes, [...PA_ATTRIBUTES]);
    assert.deepEqual(out.novel.classes, Object.keys(UCF));
    assert.deepEqual(out.novel.attributes, [...VP_ATTRIBUTES]);
    assert.deepEqual([out.novel.data.format, out.novel.data.privacyFormat], ['ucf101', 'vp']);
    for (const v of [...out.cmap.values, ...out.novel.top1.values, ...out.novel.cmap.values])
      assert.ok(v >= 0 && v <= 1, r.stdout);
  },
);

test(
  'VP-HMDB51 -> VP-UCF101 and VISPR-1 -> VISPR-2 from the command line; what veil eval refuses',
  { timeout: 600_000 },
  () => {
    const ws = join(dir, 'ws-vp');
    const judged = ['--workspace', ws, '--judge-epochs', '1', ...TOY];
    const raw = ['--baseline', 'raw data', ...judged];
    const vp = veil('eval', ...raw, ...vpToVp(), '--json');
    assert.equal(vp.status, 0, vp.stderr);
    const v = JSON.parse(vp.stdout) as {
      attributes: string[];
      cmap: { values: number[] };
      novel: { classes: string[]; cmap: { values: number[] } };
    };
    assert.deepEqual(v.attributes, [...VP_ATTRIBUTES]);
    assert.deepEqual(v.novel.classes, Object.keys(UCF));
    for (const c of [...v.cmap.values, ...v.novel.cmap.values]) assert.ok(c > 0 && c <= 1, vp.stdout);

    const spact = veil(
      'eval',
      ...raw,
      '--action-data',
      ucf(),
      '--privacy-data',
      vispr(),
      '--novel-attributes',
      'vispr2',
      '--json',
    );
    assert.equal(spact.status, 0, spact.stderr);
    const s = JSON.parse(spact.stdout) as {
      attributes: string[];
      novel: { attributes: string[]; classes: string[] };
    };
    assert.deepEqual([s.attributes, s.novel.attributes, s.novel.classes], [VISPR1, VISPR2, Object.keys(UCF)]);

    const attrs = veil(
      'eval',
      ...raw,
      '--action-data',
      hmdb(),
      '--privacy-data',
      pa(),
      '--attributes',
      'vispr2',
    );
    assert.equal(attrs.status, 2);
    assert.match(
      attrs.stderr,
      /--attributes picks VISPR's attributes; .*pa is PA-HMDB51, whose attributes are fixed/,
    );
    const missing = veil(
      'eval',
      ...raw,
      '--action-data',
      ucf(),
      '--privacy-data',
      vispr(),
      '--novel-action-data',
      join(dir, 'nope'),
    );
    // A folder that is not there is a data error (exit 1) naming the file the reader looked for.
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\/ucfTrainTestlist\/classInd\.txt: class index not found/);
    const boxes = veil(
      'eval',
      ...judged,
      '--baseline',
      'obfuscation: blackening',
      '--boxes',
      vpUcf(),
      '--action-data',
      ucf(),
      '--privacy-data',
      vpUcf(),
    );
    assert.equal(boxes.status, 2);
    assert.match(
      boxes.stderr,
      /'obfuscation: blackening' skipped: person boxes are read for VISPR's images, and .*\.csv is a VP-\* CSV/,
    );
  },
);

test(
  'veil eval refuses a judge batch larger than its training set, naming the flag',
  { timeout: 600_000 },
  () => {
    // fit drops the last partial batch: a batch over the training set trains a judge on nothing, and
    // the untrained judge's numbers would read as a result. UCF101's 15 listed training videos less
    // the 3 veil eval holds out for validation; VISPR's 24 training images.
    const raw = [
      '--baseline',
      'raw data',
      '--workspace',
      join(dir, 'ws-batch'),
      '--judge-epochs',
      '1',
      ...TOY,
    ];
    const ucfVispr = ['eval', ...raw, '--action-data', ucf(), '--privacy-data', vispr()];
    const clips = veil(...ucfVispr, '--clips-per-batch', '16');
    assert.equal(clips.status, 2, clips.stderr);
    assert.match(
      clips.stderr,
      /--clips-per-batch 16 is more than the 12 training videos of .*ucf: the action judge would take no step; give --clips-per-batch 12 or less/,
    );
    const images = veil(...ucfVispr, '--images-per-batch', '25');
    assert.equal(images.status, 2, images.stderr);
    assert.match(
      images.stderr,
      /--images-per-batch 25 is more than the 24 training images of .*vispr: the attacker would take no step/,
    );
    // VP-*: the video attacker trains on the clips' batches too; the novel protocol's sets are checked as well.
    const vp = veil('eval', ...raw, ...vpToVp(), '--clips-per-batch', '16');
    assert.equal(vp.status, 2, vp.stderr);
    assert.match(
      vp.stderr,
      /training videos of .*hmdb: the action judge and the video attacker would take no step/,
    );
  },
);
