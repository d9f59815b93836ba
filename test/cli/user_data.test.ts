// A dataset as a user has it: a UCF101 + VISPR tree that veil did not write (ffmpeg's test
// sources as videos, JPEGs from sharp), with no boxes.json and no synthpar.json. `veil data check`,
// `veil pretrain`, `veil train` and `veil eval` take it at toy sizes; the obfuscation baselines
// are skipped (exit 2, saying why) until person boxes are given with --boxes. Starting weights as
// users download them (--action-init, --privacy-init) start f_T, f_B and the judges.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import sharp from 'sharp';

import { VISPR1 } from '../../src/data/datasets/index.js';
import { createNetworks } from '../../src/method/pretrain.js';
import { createModel } from '../../src/models/index.js';
import { dataSource, methodConfig } from '../../src/runs/options.js';
import { saveTorch } from '../../src/torch/index.js';
import { maxAbsDiff, ROOT, tempDir } from '../helpers.js';

// One thread: at toy sizes libtorch's second thread only contends with the other test files
// (measured here: pretrain anonymizer 1.4 s with one, 15 to 35 s with two on a busy machine).
const veil = (...args: string[]) =>
  spawnSync('node', [join(ROOT, 'bin', 'veil.js'), ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, VEIL_THREADS: '1' },
  });

// Three classes, each a different ffmpeg source; 5 training and 2 test videos of each.
const CLASSES = { Basketball: 'testsrc2', Drumming: 'mandelbrot', Rowing: 'life' } as const;
const GROUPS = { train: [1, 2, 3, 4, 5], test: [8, 9] };
const IMAGES = { train: 32, val: 8, test: 12 };
const TOY = ['--size', '16', '--frames', '4', '--video-frames', '8', '-q'];

let dir = '';
let data = '';
const videos: string[] = [];
const images: string[] = [];

before(async () => {
  dir = tempDir('veil-user-data-');
  data = join(dir, 'data');
  const lists = join(data, 'ucfTrainTestlist');
  mkdirSync(lists, { recursive: true });
  const names = Object.keys(CLASSES) as (keyof typeof CLASSES)[];
  writeFileSync(join(lists, 'classInd.txt'), names.map((c, i) => `${i + 1} ${c}\r\n`).join(''));
  const train: string[] = [];
  const test_: string[] = [];
  names.forEach((c, label) => {
    mkdirSync(join(data, 'UCF-101', c), { recursive: true });
    for (const [subset, groups] of Object.entries(GROUPS))
      for (const g of groups) {
        const rel = `${c}/v_${c}_g${String(g).padStart(2, '0')}_c01.avi`;
        // 4:3 and 12 frames at 25 fps, Xvid-like MPEG-4 in AVI, as UCF101 stores them (smaller).
        const src = `${CLASSES[c]}=size=40x30:rate=25${CLASSES[c] === 'life' ? `:seed=${g}` : ''}`;
        const out = join(data, 'UCF-101', rel);
        const args = ['-nostdin', '-v', 'error', '-y', '-f', 'lavfi', '-i', src, '-frames:v', '12'];
        execFileSync('ffmpeg', [...args, '-c:v', 'mpeg4', out]);
        videos.push(rel);
        if (subset === 'train') train.push(`${rel} ${label + 1}\r\n`);
        else test_.push(`${rel}\r\n`);
      }
  });
  // The three official splits; this tree's are the same.
  for (const k of [1, 2, 3]) {
    writeFileSync(join(lists, `trainlist0${k}.txt`), train.join(''));
    writeFileSync(join(lists, `testlist0${k}.txt`), test_.join(''));
  }
  let n = 0;
  for (const [split, count] of Object.entries(IMAGES)) {
    const imgDir = join(data, 'vispr', `${split}2017`);
    const annDir = join(data, 'vispr', 'annotations', `${split}2017`);
    mkdirSync(imgDir, { recursive: true });
    mkdirSync(annDir, { recursive: true });
    for (let i = 0; i < count; i++, n++) {
      const id = `2017_${String(10_000_000 + n * 7919).padStart(8, '0')}`;
      const px = Buffer.alloc(48 * 36 * 3, (n * 37) % 256);
      for (let k = 0; k < px.length; k += 5) px[k] = (k * n) % 256;
      await sharp(px, { raw: { width: 48, height: 36, channels: 3 } })
        .jpeg()
        .toFile(join(imgDir, `${id}.jpg`));
      const labels = VISPR1.filter((_, a) => (n >> a) & 1).concat(['a8_facial_expression']);
      const ann = { id, image_path: `images/${split}2017/${id}.jpg`, labels };
      writeFileSync(join(annDir, `${id}.json`), JSON.stringify(ann));
      images.push(`vispr/${split}2017/${id}.jpg`);
    }
  }
});

after(() => rmSync(dir, { recursive: true, force: true }));

test(
  'a UCF101 + VISPR tree without person boxes goes through data check, pretrain, train and eval',
  { timeout: 600_000 },
  () => {
    assert.ok(!existsSync(join(data, 'boxes.json')) && !existsSync(join(data, 'synthpar.json')));
    const check = veil('data', 'check', data, '--json', '-q');
    assert.equal(check.status, 0, check.stdout + check.stderr);
    const report = JSON.parse(check.stdout) as { videos: number; images: number; problems: unknown[] };
    assert.deepEqual([report.videos, report.images, report.problems], [21, 52, []]);

    const ws = join(dir, 'ws');
    const common = [
      '--data',
      data,
      '--workspace',
      ws,
      '--size',
      '16',
      '--frames',
      '4',
      '--video-frames',
      '8',
    ];
    common.push('-q');
    for (const what of ['anonymizer', 'privacy', 'action']) {
      const r = veil('pretrain', what, ...common);
      assert.equal(r.status, 0, `pretrain ${what}: ${r.stderr}`);
    }
    const train = veil('train', ...common, '-B', '0.3', '--epochs', '1', '--clips-per-batch', '4');
    assert.equal(train.status, 0, train.stderr);
    const fA = join(ws, 'runs', 'veil-B0.3', 'fA.safetensors');
    assert.ok(existsSync(fA));

    const judged = (r: ReturnType<typeof veil>) => {
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout) as { top1: { mean: number }; cmap: { mean: number } };
      assert.ok(out.top1.mean >= 0 && out.top1.mean <= 1 && out.cmap.mean > 0, r.stdout);
    };
    judged(veil('eval', ...common, '--baseline', 'raw data', '--json'));
    judged(veil('eval', ...common, '--weights', fA, '--json'));

    // The obfuscation baselines need person boxes: skipped, saying why, until a file gives them.
    const blind = veil('eval', ...common, '--baseline', 'obfuscation: blackening', '--json');
    assert.equal(blind.status, 2);
    assert.match(
      blind.stderr,
      /'obfuscation: blackening' skipped: .*there are none \(no --boxes, no .*data\/boxes\.json\); give --boxes FILE/,
    );
    const boxes = join(dir, 'detections.json');
    const partial = {
      videos: Object.fromEntries(videos.map((v) => [`data/UCF-101/${v}`, [[[4, 2, 30, 28]]]])),
    };
    writeFileSync(boxes, JSON.stringify(partial));
    const missing = veil('eval', ...common, '--baseline', 'obfuscation: blackening', '--boxes', boxes);
    assert.equal(missing.status, 1);
    assert.match(
      missing.stderr,
      /detections\.json: no boxes for image 'data\/vispr\/train2017\/2017_\d{8}\.jpg'/,
    );
    const person = [[10.5, 4, 38.25, 30]];
    writeFileSync(
      boxes,
      JSON.stringify({
        videos: Object.fromEntries(
          videos.map((v) => [`data/UCF-101/${v}`, Array.from({ length: 12 }, () => person)]),
        ),
        images: Object.fromEntries(images.map((p) => [`data/${p}`, person])),
      }),
    );
    judged(veil('eval', ...common, '--baseline', 'obfuscation: blackening', '--boxes', boxes, '--json'));
  },
);

// Needs PyTorch for the files it writes: where /usr/bin/python3 has no torch, veil's writer stands in.
const python = '/usr/bin/python3';
const hasTorch = existsSync(python) && spawnSync(python, ['-c', 'import torch, torchvision']).status === 0;

test(
  '--action-init and --privacy-init start f_T, f_B and the judges; a missing or wrong file is named',
  { timeout: 600_000 },
  () => {
    const common = ['--data', data, '--workspace', join(dir, 'ws-init'), ...TOY];
    // The demo preset's f_T and f_B with another task's heads (400 actions, 1000 classes), as
    // downloaded: torch.save files under the zoo's (torchvision's) names.
    const action = join(dir, 'kinetics.pth');
    const privacy = join(dir, 'imagenet.pth');
    const kinetics = createModel('r3d-small', { width: 8, classes: 400 });
    const imagenet = createModel('resnet-small', {
      width: 8,
      smallStem: true,
      head: 'classifier',
      classes: 1000,
    });
    saveTorch(action, kinetics.stateDict());
    saveTorch(privacy, imagenet.stateDict());
    const c = methodConfig({
      preset: 'demo',
      'video-frames': 8,
      variant: 'known',
      'action-init': action,
      'privacy-init': privacy,
    });
    const nets = createNetworks(c, 3);
    for (const [net, from] of [
      [nets.fT, kinetics],
      [nets.fB, imagenet],
    ] as const) {
      const want = from.stateDict();
      const got = net.stateDict();
      for (const k of Object.keys(want).filter((k) => !k.startsWith('fc.')))
        assert.equal(maxAbsDiff(got[k]!, want[k]!), 0, k);
    }
    const pre = veil('pretrain', 'action', ...common, '--action-init', action);
    assert.equal(pre.status, 0, pre.stderr);
    const judged = veil(
      'eval',
      ...common,
      '--baseline',
      'raw data',
      '--action-init',
      action,
      '--privacy-init',
      privacy,
    );
    assert.equal(judged.status, 0, judged.stderr);
    assert.doesNotMatch(judged.stderr, /train from scratch/);

    const missing = veil(
      'eval',
      ...common,
      '--baseline',
      'raw data',
      '--privacy-init',
      join(dir, 'nope.pth'),
    );
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /--privacy-init: .*nope\.pth not found/);
    const swapped = veil('pretrain', 'privacy', ...common, '--privacy-init', action, '--overwrite');
    assert.equal(swapped.status, 1);
    assert.match(
      swapped.stderr,
      /kinetics\.pth: not a backbone of this network \(missing: conv1\.weight, bn1\.weight/,
    );

    // torchvision's own files (random weights, real names and format) into r3d-18 and resnet18.
    if (!hasTorch) return;
    const out = join(dir, 'pytorch');
    const r = spawnSync(python, [join(ROOT, 'scripts', 'fixtures', 'pytorch_checkpoints.py'), 'full', out]);
    assert.equal(r.status, 0, String(r.stderr));
    const paper = ['--f-t', 'r3d-18', '--action-init', join(out, 'r3d_18.pth')];
    paper.push('--f-b', 'resnet18', '--privacy-init', join(out, 'resnet18.pth'));
    const tv = veil('eval', ...common, '--baseline', 'raw data', ...paper);
    assert.equal(tv.status, 0, tv.stderr);
  },
);

test('--action-data takes an HMDB51 tree (found by its split files), --privacy-data a VISPR tree, --split a split', async () => {
  // The same videos in HMDB51's layout: <action>/<video>.avi and <action>_test_split<k>.txt.
  const hmdb = join(dir, 'hmdb');
  const splits = join(hmdb, 'testTrainMulti_7030_splits');
  mkdirSync(splits, { recursive: true });
  for (const c of Object.keys(CLASSES)) {
    mkdirSync(join(hmdb, 'hmdb51_org', c), { recursive: true });
    const lines = videos
      .filter((v) => v.startsWith(`${c}/`))
      .map((v, i) => {
        copyFileSync(join(data, 'UCF-101', v), join(hmdb, 'hmdb51_org', v));
        return `${v.slice(c.length + 1)} ${i < 5 ? 1 : 2} \n`;
      });
    for (const k of [1, 2, 3]) writeFileSync(join(splits, `${c}_test_split${k}.txt`), lines.join(''));
  }
  const v = { preset: 'demo' as const, 'video-frames': 8, variant: 'known' as const };
  const src = await dataSource({ ...v, 'action-data': hmdb, 'privacy-data': join(data, 'vispr'), split: 2 });
  assert.deepEqual([src.format, src.split, src.boxes], ['hmdb51', 2, null]);
  assert.equal((await dataSource({ ...v, data })).format, 'ucf101');
  const flags = ['--action-data', hmdb, '--privacy-data', join(data, 'vispr'), '--split', '2'];
  const r = veil('pretrain', 'action', '--workspace', join(dir, 'ws-hmdb'), ...flags, ...TOY);
  assert.equal(r.status, 0, r.stderr);
  const none = veil('pretrain', 'action', '--workspace', join(dir, 'ws-none'), '--action-data', hmdb, ...TOY);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /--data DIR is required .*or --action-data DIR and --privacy-data DIR/);
});
