// SPAct's premise, kept: no privacy label reaches the method. The whole of it (f_A's identity,
// f_B's NT-Xent and f_T's pre-training, the minimax, checkpoint selection) run once on the images
// as they are and once with their attribute labels shuffled among them gives the same f_A, bit for
// bit, and selects the same epoch.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { Rng } from '../../src/data/rng.js';
import { type MinimaxData, trainMinimax } from '../../src/method/minimax.js';
import {
  createNetworks,
  pretrainAction,
  pretrainAnonymizer,
  pretrainPrivacy,
} from '../../src/method/pretrain.js';
import type { ImageSet } from '../../src/data/loader/index.js';
import { tempDir } from '../helpers.js';
import { tinyConfig, tinyData } from './fixtures.js';

/** The same images with their label vectors dealt out again at random. */
function shuffleLabels(set: ImageSet, seed: number): ImageSet {
  const rng = new Rng('shuffle-labels', seed);
  const labels = set.items.map((im) => im.labels);
  for (let i = labels.length - 1; i > 0; i--) {
    const j = Math.floor(rng.float() * (i + 1));
    [labels[i], labels[j]] = [labels[j] as Uint8Array, labels[i] as Uint8Array];
  }
  // Also flip every label: a method that read them could not land on the same numbers by chance.
  return {
    ...set,
    items: set.items.map((im, i) => ({ ...im, labels: (labels[i] as Uint8Array).map((v) => 1 - v) })),
  };
}

async function wholeMethod(d: MinimaxData): Promise<{ fA: number[]; selected: number }> {
  const c = tinyConfig({ lambda: 1, B: 0.02 });
  const n = createNetworks(c, 10);
  await pretrainAnonymizer(n.fA, d.trainImages, d.trainVideos, c);
  await pretrainPrivacy(n.fB, d.trainImages, c);
  await pretrainAction(n.fT, d.trainVideos, c);
  const r = await trainMinimax(n, d, c, { dir: join(tempDir(), 'run'), resume: false });
  const fA = n.fA.parameters().flatMap((p) => Array.from(p.data() as Float32Array));
  return { fA, selected: r.selectedEpoch };
}

test('the method is blind to privacy labels: shuffled labels give the same f_A, bit for bit', async () => {
  const d = tinyData();
  const shuffled: MinimaxData = {
    ...d,
    trainImages: shuffleLabels(d.trainImages, 1),
    valImages: shuffleLabels(d.valImages, 2),
  };
  assert.notDeepEqual(
    shuffled.trainImages.items.map((im) => Array.from(im.labels)),
    d.trainImages.items.map((im) => Array.from(im.labels)),
  );
  const a = await wholeMethod(d);
  const b = await wholeMethod(shuffled);
  assert.equal(b.selected, a.selected);
  assert.ok(a.fA.length > 0);
  assert.deepEqual(b.fA, a.fA);
});
