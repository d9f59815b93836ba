// `veil data check` and `veil data synth`: the commands' run() on real trees, and the progress bar.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PassThrough } from 'node:stream';
import { before, test } from 'node:test';

import { run as runCheck } from '../../src/cli/data-check.js';
import { parseSynthArgs, run as runSynth, type SynthArgs } from '../../src/cli/data-synth.js';
import { readPersonBoxes } from '../../src/data/boxes.js';
import { checkDataset } from '../../src/data/check.js';
import { readUcf101, readVispr } from '../../src/data/datasets/index.js';
import { formatDuration, Progress } from '../../src/data/progress.js';
import { tempDir } from './helpers.js';

let root = '';
before(async () => {
  root = join(await tempDir('check'), 'synth');
  const code = await runSynth([
    '--quiet',
    '-o',
    root,
    '--clips',
    '30',
    '--images',
    '6',
    '--size',
    '32',
    '--frames',
    '8',
    '--seed',
    '3',
  ]);
  assert.equal(code, 0);
});

test('data synth writes a tree the readers accept, described by synthpar.json', async () => {
  const meta = JSON.parse(await readFile(join(root, 'synthpar.json'), 'utf8')) as Record<string, unknown>;
  assert.deepEqual(
    [meta.clips, meta.images, meta.width, meta.frames, meta.seed, meta.variant],
    [30, 6, 32, 8, 3, 'known'],
  );
  assert.equal((await readUcf101(root, { subset: 'train', split: 3 })).samples.length, 20);
  const boxes = await readPersonBoxes(join(root, 'boxes.json'));
  assert.equal(boxes.videos.size, 30);
  assert.equal(boxes.images.size, 6);
  const train = await readUcf101(root, { subset: 'train' });
  for (const sample of train.samples) {
    const frames = boxes.videos.get(sample.path);
    assert.ok(frames && frames.length === 8 && frames.every((b) => b.length >= 1), sample.path);
  }
  const vispr = await readVispr(join(root, 'vispr'), { split: 'train' });
  assert.ok(vispr.samples.every((s) => boxes.images.has(s.path)));
  assert.deepEqual(parseSynthArgs(['-o', 'x', '--clips', '2', '--size', '64x48']), {
    ...{ out: 'x', clips: 2, images: undefined, width: 64, height: 48, frames: 32, seed: 0 },
    ...{ variant: 'known', layout: 'ucf101', codec: 'mjpeg', fps: 25 },
  });
  assert.equal((parseSynthArgs(['--output', 'x', '--clips', '2', '--size', '16']) as SynthArgs).width, 16);
  assert.throws(() => parseSynthArgs(['--clips', '2']), /-o\/--output DIR is required/);
  assert.throws(() => parseSynthArgs(['-o', 'x', '--clips', '0']), /--clips must be >= 1, got 0/);
  assert.throws(
    () => parseSynthArgs(['-o', 'x', '--clips', '2', '--variant', 'odd']),
    /--variant must be known or novel; got 'odd'/,
  );
  assert.throws(() => parseSynthArgs(['-o', 'x', '--clips', '2', '--nope']), /unknown flag --nope/);
  assert.throws(() => parseSynthArgs(['--out', 'x', '--clips', '2']), /--out: it is now -o\/--output/);
  assert.equal(await runSynth(['--clips', '2']), 2);
  assert.equal(await runSynth(['-o', root, '--clips', '1', '--size', '4']), 2);
});

test('the same arguments write byte-identical trees', async () => {
  const dir = await tempDir('twice');
  const args = ['--quiet', '--clips', '6', '--images', '3', '--size', '16', '--frames', '4', '--seed', '8'];
  const hashes = async (root: string): Promise<Record<string, string>> => {
    const files = (await readdir(root, { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    const out: Record<string, string> = {};
    for (const f of files) {
      const path = join(f.parentPath, f.name);
      out[relative(root, path)] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    }
    return out;
  };
  assert.equal(await runSynth(['-o', join(dir, 'a'), ...args]), 0);
  assert.equal(await runSynth(['-o', join(dir, 'b'), ...args]), 0);
  const a = await hashes(join(dir, 'a'));
  assert.ok(Object.keys(a).length > 10);
  assert.deepEqual(await hashes(join(dir, 'b')), a);
});

test('data check passes a sound tree and lists every broken file of a damaged one', async () => {
  const clean = await checkDataset(root);
  assert.deepEqual(clean.problems, []);
  assert.equal(clean.videos, 30);
  assert.equal(clean.images, 6);
  assert.equal(await runCheck([root]), 0);

  const { samples } = await readUcf101(root, { subset: 'train' });
  const [gone, cut, empty] = samples.map((s) => s.path);
  await rm(gone!);
  const size = (await readFile(cut!)).length;
  await truncate(cut!, Math.floor(size * 0.8));
  await writeFile(empty!, Buffer.alloc(0));
  const img = (await readVispr(join(root, 'vispr'), { split: 'train' })).samples[0]!.path;
  await writeFile(img, 'garbage');
  const report = await checkDataset(root);
  const byFile = new Map(report.problems.map((p) => [p.file.endsWith('.txt') ? 'list' : p.file, p]));
  assert.equal(byFile.get(cut!)?.kind, 'truncated');
  assert.match(byFile.get(cut!)!.message, /header says 8 frames, the file holds \d/);
  assert.equal(byFile.get(empty!)?.kind, 'unreadable');
  assert.equal(byFile.get(img)?.kind, 'unreadable');
  const listed = report.problems.filter((p) => p.kind === 'layout' && p.message.includes(gone!));
  assert.ok(listed.length >= 1, 'the list line naming the deleted video is reported');
  assert.ok(
    listed.some((p) => /video_attributes\.csv:\d+$/.test(p.file)),
    'and the manifest row too',
  );
  assert.equal(await runCheck([root, '--json']), 1);
  assert.equal(await runCheck([]), 2);
  const none = await checkDataset(join(root, 'UCF-101', 'Jump'));
  assert.equal(none.problems[0]?.kind, 'layout');
});

test('the progress bar shows count, rate and time left', () => {
  let t = 0;
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString()));
  const p = new Progress(100, { label: 'SynthPAR', unit: 'clips', stream: out, now: () => t });
  t = 2000;
  p.tick(10);
  assert.equal(p.line(), 'SynthPAR [##......................] 10/100 5.0 clips/s ETA 0:18');
  t = 20000;
  p.tick(90);
  assert.equal(p.line(), 'SynthPAR [########################] 100/100 5.0 clips/s in 0:20');
  assert.equal(text.trim().split('\n').length, 2, 'off a terminal, a line per tenth of the way');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(Infinity), '--:--');
});
