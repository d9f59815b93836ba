// `veil pretrain anonymizer|privacy|action`: f_A as an identity (L1), f_B with NT-Xent, or f_T on
// raw clips, from the dataset at --data; weights go to <workspace>/pretrained/<fA|fB|fT>.safetensors.
// `veil pretrain backbones`: the judges' (and f_T's, f_B's) starting points, on a separate raw
// SynthPAR draw rendered in memory, into <workspace>/backbones/ (what --backbones DIR reads).
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { createNetworks, pretrainAction, pretrainAnonymizer, pretrainPrivacy } from '../method/pretrain.js';
import { loadCheckpointInto, saveCheckpoint } from '../models/index.js';
import { readSets } from '../runs/experiment.js';
import { dataPlan, METHOD_FLAGS, methodConfig, requireData } from '../runs/options.js';
import { type BackboneConfig, pretrainBackbones } from '../runs/backbones.js';
import { demoConfig } from '../runs/presets.js';
import { Progress } from '../runs/progress.js';

const WHICH = { anonymizer: 'fA', privacy: 'fB', action: 'fT' } as const;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...METHOD_FLAGS,
      'backbone-clips': { type: 'string' },
      'backbone-images': { type: 'string' },
      'backbone-epochs': { type: 'string' },
    },
  });
  const what = positionals[0] as keyof typeof WHICH | 'backbones' | undefined;
  if (values.help || !what || !(what in WHICH || what === 'backbones')) {
    console.log(
      'usage: veil pretrain anonymizer|privacy|action --data DIR [--workspace DIR] [--backbones DIR] [method flags]\n' +
        '       veil pretrain backbones [--workspace DIR] [--size S] [--frames T] [--video-frames F] [--variant known|novel]\n' +
        '                               [--seed K] [--backbone-clips N] [--backbone-images M] [--backbone-epochs E]',
    );
    return values.help ? 0 : 2;
  }
  const c = methodConfig(values);
  if (what === 'backbones') {
    const demo = demoConfig(resolve(values.workspace), false);
    const data = { ...dataPlan(values, c), seed: -1 };
    const protocol = { ...demo.protocol, clip: c.clip, imageSize: c.imageSize, autocast: c.autocast };
    const d = demo.backbones as BackboneConfig;
    const count = (flag: string, fallback: number): number => {
      const v = values[flag as 'backbone-clips'];
      const n = v === undefined ? fallback : Number(v);
      if (!(Number.isInteger(n) && n >= 1))
        throw new Error(`--${flag} must be a positive integer, got '${v}'`);
      return n;
    };
    const epochs = values['backbone-epochs'];
    const b: BackboneConfig = {
      ...d,
      seed: d.seed + c.seed,
      clips: count('backbone-clips', d.clips),
      images: count('backbone-images', d.images),
      actionEpochs: epochs === undefined ? d.actionEpochs : count('backbone-epochs', 0),
      attackerEpochs: epochs === undefined ? d.attackerEpochs : count('backbone-epochs', 0),
    };
    pretrainBackbones(join(demo.workspace, 'backbones'), data, protocol, b, console.log);
    return 0;
  }
  const sets = await readSets(resolve(requireData(values)), dataPlan(values, c), 8);
  const nets = createNetworks(c, sets.trainVideos.classes.length);
  const dir = join(resolve(values.workspace), 'pretrained');
  mkdirSync(dir, { recursive: true });
  const key = WHICH[what];
  const file = join(dir, `${key}.safetensors`);
  if (values.resume && existsSync(file)) loadCheckpointInto(nets[key], file);
  const p = c.pretrain;
  const total =
    what === 'action'
      ? p.actionEpochs * Math.floor(sets.trainVideos.items.length / c.clipsPerBatch)
      : (what === 'privacy' ? p.privacyEpochs : p.anonymizerEpochs) *
        Math.floor(sets.trainImages.items.length / p.batch);
  const bar = new Progress(`pretrain ${what}`, Math.max(1, total));
  const tick = (w: string): void => bar.tick(w);
  const losses =
    what === 'anonymizer'
      ? pretrainAnonymizer(nets.fA, sets.trainImages, sets.trainVideos, c, tick)
      : what === 'privacy'
        ? pretrainPrivacy(nets.fB, sets.trainImages, c, tick)
        : pretrainAction(nets.fT, sets.trainVideos, c, tick);
  saveCheckpoint(file, nets[key], {
    input: { height: c.clip.size, width: c.clip.size },
    config: c,
    extra: { role: key, losses: JSON.stringify(losses) },
  });
  console.log(`\n${what}: loss per epoch ${losses.map((l) => l.toFixed(4)).join(' ')}\nwrote ${file}`);
  return 0;
}
