// Backbones: trained on a separate raw draw, cached by what shapes them, loaded into a fresh network
// of the same architecture (head excluded) and refused by any other. Two sets: the method's (f_B's
// by NT-Xent alone) and the judges' (an attacker on the attributes), never the same weights.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { createNetworks } from '../../src/method/pretrain.js';
import { createModel, loadBackbone } from '../../src/models/index.js';
import { type BackboneConfig, backboneSets, pretrainBackbones } from '../../src/runs/backbones.js';
import { withBackbones } from '../../src/runs/experiment.js';
import { demoConfig } from '../../src/runs/presets.js';
import * as T from '../../src/torch/index.js';
import { tempDir } from '../helpers.js';
import { READER } from '../method/fixtures.js';

const S = 16;

function tiny(ws: string) {
  const c = demoConfig(ws, { quick: true });
  const narrow = { width: 4 };
  const clip = { frames: 4, stride: 1, size: S };
  const data = { ...c.data, width: S, height: S, frames: 4 };
  const protocol = { ...c.protocol, actionOptions: narrow, attackerOptions: narrow, clip, imageSize: S };
  const method = {
    ...c.method,
    fT: { ...c.method.fT, options: narrow },
    fB: { ...c.method.fB, options: narrow },
    fA: { ...c.method.fA, options: narrow },
    clip,
    imageSize: S,
  };
  const b: BackboneConfig = {
    seed: 99,
    privacy: 'attacker',
    clips: 20,
    images: 40,
    actionEpochs: 1,
    attackerEpochs: 1,
    clipsPerBatch: 4,
    imagesPerBatch: 8,
    lr: 1e-3,
    actionLr: 1e-3,
  };
  return { ...c, data, protocol, method, backbones: b };
}

const same = (a: T.Tensor, b: T.Tensor): boolean => T.tidy(() => T.amax(a.sub(b).abs()).item() === 0);

test('the backbone draw is its own: another seed than the data, every 10th item held out', async () => {
  const c = tiny('');
  const s = backboneSets(c.data, c.backbones, READER);
  assert.equal(s.videos.train.items.length + s.videos.val.items.length, 20);
  assert.equal(s.images.val.items.length, 4);
  // The variant's 10 actions and the two travel actions of the backbones' vocabulary.
  assert.equal(s.videos.train.classes.length, 12);
  assert.equal(s.images.train.attributes.length, 7);
  await assert.rejects(
    () => pretrainBackbones(tempDir('veil-bb-'), c.data, c.protocol, { ...c.backbones, seed: c.data.seed }),
    /own data seed/,
  );
});

test('backbones are trained once, reused while nothing changes, retrained when something does', async () => {
  const ws = tempDir('veil-bb-');
  const c = tiny(ws);
  const dir = join(ws, 'backbones');
  const first = await pretrainBackbones(dir, c.data, c.protocol, c.backbones);
  const stamp = statSync(first.action).mtimeMs;
  for (const v of [first.heldOut.top1, first.heldOut.cmap ?? NaN]) assert.ok(v >= 0 && v <= 1);
  assert.equal(first.heldOut.match, null);
  const again = await pretrainBackbones(dir, c.data, c.protocol, c.backbones);
  assert.deepEqual(again, first);
  assert.equal(statSync(first.action).mtimeMs, stamp);
  const other = await pretrainBackbones(dir, c.data, c.protocol, { ...c.backbones, lr: 2e-3 });
  assert.notEqual(statSync(other.action).mtimeMs, stamp);
});

test("f_T and f_B start from the method's backbones (f_B's learned no label), the judges from theirs", async () => {
  const ws = tempDir('veil-bb-');
  const c = tiny(ws);
  const judges = await pretrainBackbones(join(ws, 'judges'), c.data, c.protocol, c.backbones);
  const mb = { ...c.backbones, seed: 98, privacy: 'ssl' as const, viewAugment: c.method.viewAugment };
  const method = await pretrainBackbones(join(ws, 'method'), c.data, c.protocol, mb);
  assert.equal(method.privacyKind, 'ssl');
  assert.equal(method.heldOut.cmap, null, 'no label was read to score it either');
  assert.ok((method.heldOut.match ?? -1) >= 0 && (method.heldOut.match ?? 2) <= 1);

  const wc = withBackbones(c, method, judges);
  assert.equal(wc.protocol.actionInit, judges.action);
  assert.equal(wc.protocol.attackerInit, judges.privacy);
  const nets = createNetworks(wc.method, 10);
  const { tensors } = T.loadSafetensors(method.action);
  const fT = nets.fT.stateDict();
  for (const [k, t] of Object.entries(tensors))
    if (!k.startsWith('fc.')) assert.ok(same(fT[k] as T.Tensor, t), `f_T ${k}`);
  const fB = nets.fB.stateDict();
  const ssl = T.loadSafetensors(method.privacy).tensors;
  assert.ok(same(fB['conv1.weight'] as T.Tensor, ssl['conv1.weight'] as T.Tensor));
  assert.ok(
    same(fB['fc.fc1.weight'] as T.Tensor, ssl['fc.fc1.weight'] as T.Tensor),
    'and its SSL projection head',
  );
  const att = T.loadSafetensors(judges.privacy).tensors;
  assert.ok(!same(fB['conv1.weight'] as T.Tensor, att['conv1.weight'] as T.Tensor), 'not the attacker');

  // An attacker's backbone is refused as f_B's start; the judges never get the method's.
  assert.throws(() => withBackbones(c, judges, judges), /without privacy labels/);
  assert.throws(() => withBackbones(c, method, method), /must not start from the weights the method/);
});

test('a backbone of another architecture is refused, naming the file', async () => {
  const ws = tempDir('veil-bb-');
  const c = tiny(ws);
  const bb = await pretrainBackbones(join(ws, 'b'), c.data, c.protocol, c.backbones);
  const wider = createModel('r3d-small', { width: 8, classes: 10 });
  assert.throws(() => loadBackbone(wider, bb.action), /action\.safetensors: not a backbone .*shape/);
  const image = createModel('resnet-small', { width: 4, head: 'classifier', classes: 7 });
  assert.throws(() => loadBackbone(image, bb.action), /action\.safetensors: not a backbone/);
});
