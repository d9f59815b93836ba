// `veil pretrain backbones` writes what `--backbones DIR` reads; a wrong folder is named.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { methodConfig, type MethodValues } from '../../src/runs/options.js';
import { ROOT, tempDir } from '../helpers.js';

const veil = (...args: string[]) =>
  spawnSync('node', [join(ROOT, 'bin', 'veil.js'), ...args], { encoding: 'utf8', timeout: 300_000 });

const defaults: MethodValues = { preset: 'demo', 'video-frames': 16, variant: 'known' };

test('veil pretrain backbones writes a folder that --backbones reads', { timeout: 300_000 }, () => {
  const ws = tempDir('veil-cli-bb-');
  // Toy sizes: 16-pixel frames, one epoch; 32 clips and 40 images leave a batch of each to train on.
  const tiny = ['--workspace', ws, '--size', '16', '--frames', '4', '--video-frames', '4'];
  tiny.push('--backbone-clips', '32', '--backbone-images', '40', '--backbone-epochs', '1');
  const r = veil('pretrain', 'backbones', '--for', 'method', ...tiny);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /backbones \(.*method\): held-out raw top-1 [\d.]+%, instance match [\d.]+%/);
  const dir = join(ws, 'backbones', 'method');
  const meta = JSON.parse(readFileSync(join(dir, 'backbones.json'), 'utf8')) as { action: string };
  assert.ok(existsSync(meta.action));
  const c = methodConfig({ ...defaults, backbones: dir });
  assert.equal(c.fT.backbone, join(dir, 'action.safetensors'));
  assert.equal(c.fB.backbone, join(dir, 'privacy-ssl.safetensors'));
  // The judges' folder cannot be f_B's start: its attacker learned the private attributes.
  const judges = veil('pretrain', 'backbones', ...tiny, '-q');
  assert.equal(judges.status, 0, judges.stderr);
  assert.throws(
    () => methodConfig({ ...defaults, backbones: join(ws, 'backbones', 'judges') }),
    /holds judges' backbones .* f_B must start from one trained without privacy labels/,
  );
  assert.equal(
    methodConfig({ ...defaults, backbones: join(ws, 'backbones', 'judges') }, 'judges').fB.backbone,
    undefined,
  );
});

test('a bad --backbones folder or count is named', () => {
  const nope = join(tempDir('veil-cli-bb-'), 'nope');
  assert.throws(() => methodConfig({ ...defaults, backbones: nope }), /nope\/backbones\.json not found/);
  const r = veil('pretrain', 'backbones', '--backbone-clips', 'many', '--workspace', tempDir('veil-cli-bb-'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--backbone-clips takes an integer, got 'many'/);
  // Too few to make a batch: the backbone would train on nothing; refused before anything is written.
  const ws = tempDir('veil-cli-bb-');
  const few = veil('pretrain', 'backbones', '--for', 'method', '--backbone-clips', '20', '--workspace', ws);
  assert.equal(few.status, 2, few.stderr);
  assert.match(
    few.stderr,
    /--backbone-clips 20: the backbone draw's 12 training clips \(the rest held out\) make no batch of 16, so the action backbone would take no step/,
  );
  assert.ok(!existsSync(join(ws, 'backbones')), 'nothing written');
});
