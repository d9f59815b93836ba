// `veil pretrain anonymizer|privacy|action`: f_A as an identity (L1), f_B with NT-Xent, or f_T on
// raw clips, from the dataset at --data; weights go to <workspace>/pretrained/<fA|fB|fT>.safetensors.
// `veil pretrain backbones`: the judges' (and f_T's, f_B's) starting points, on a separate raw
// SynthPAR draw rendered in memory, into <workspace>/backbones/ (what --backbones DIR reads).
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { UsageError } from '../data/errors.js';
import { frameCount } from '../data/loader/index.js';
import { createNetworks, pretrainAction, pretrainAnonymizer, pretrainPrivacy } from '../method/pretrain.js';
import { loadCheckpointInto, saveCheckpoint } from '../models/index.js';
import { type BackboneConfig, pretrainBackbones } from '../runs/backbones.js';
import { readSets } from '../runs/data.js';
import { dataPlan, dataSource, methodConfig } from '../runs/options.js';
import { demoConfig } from '../runs/presets.js';
import { defineCommand, execute, QUIET } from './flags.js';
import { CONSOLE, SILENT } from '../runs/progress.js';
import { openReader } from './loader.js';
import { METHOD_FLAGS } from './method-flags.js';
import { progress } from './quiet.js';

const WHICH = { anonymizer: 'fA', privacy: 'fB', action: 'fT' } as const;
const DEMO = demoConfig('');
const SETS = {
  judges: DEMO.backbones as BackboneConfig,
  method: DEMO.methodBackbones as BackboneConfig,
};
const both = (f: (b: BackboneConfig) => number | undefined): string =>
  `judges ${f(SETS.judges)}, method ${f(SETS.method)}`;

export const command = defineCommand({
  name: 'pretrain',
  summary:
    'pre-train f_A (anonymizer), f_B (privacy) or f_T (action), or the backbones they and the judges start from',
  usage:
    'anonymizer|privacy|action --data DIR [--backbones DIR] [options]\n' +
    'backbones --for judges|method [--size PX] [--frames T] [--video-frames F] [--variant known|novel] [--backbone-* N]',
  description:
    'anonymizer, privacy, action: f_A as an identity (L1), f_B with NT-Xent, f_T on raw clips, written to\n' +
    '<workspace>/pretrained/fA|fB|fT.safetensors (an existing one needs --resume or --overwrite).\n' +
    'backbones: starting points trained on a separate raw SynthPAR draw rendered in memory, written to\n' +
    '<workspace>/backbones/judges|method (what --backbones DIR reads); reused when the same ones are there.\n' +
    "--for judges: an action backbone and an attacker that learns the private attributes (veil eval's\n" +
    'judges start there); --for method: another draw, an action backbone and a privacy backbone trained with\n' +
    'NT-Xent alone (f_T and f_B start there: no privacy label reaches the method).',
  positionals: [
    {
      name: 'WHAT',
      required: true,
      choices: ['anonymizer', 'privacy', 'action', 'backbones'],
      help: 'which network: anonymizer (f_A), privacy (f_B), action (f_T), or backbones',
    },
  ],
  flags: [
    ...METHOD_FLAGS,
    {
      name: 'resume',
      type: 'boolean',
      help: 'start from the network already in <workspace>/pretrained and train it further',
    },
    { name: 'overwrite', type: 'boolean', help: 'replace the network already in <workspace>/pretrained' },
    {
      name: 'for',
      type: 'string',
      choices: ['judges', 'method'],
      default: 'judges',
      help: "backbones: the judges' (attacker on the attributes) or the method's (privacy by NT-Xent alone)",
    },
    {
      name: 'backbone-clips',
      type: 'int',
      min: 1,
      placeholder: 'N',
      defaultText: both((b) => b.clips),
      help: 'backbones: clips of their SynthPAR draw',
    },
    {
      name: 'backbone-images',
      type: 'int',
      min: 1,
      placeholder: 'M',
      defaultText: both((b) => b.images),
      help: 'backbones: images of their SynthPAR draw',
    },
    {
      name: 'backbone-epochs',
      type: 'int',
      min: 1,
      placeholder: 'E',
      defaultText: `action ${both((b) => b.actionEpochs)}; privacy ${both((b) => b.attackerEpochs)}`,
      help: 'backbones: epochs of both',
    },
    QUIET,
  ],
  async run({ values, positionals }) {
    const what = positionals[0] as keyof typeof WHICH | 'backbones';
    const c = methodConfig(values);
    if (what === 'backbones') {
      const demo = demoConfig(resolve(values.workspace));
      const data = { ...dataPlan(values, c), seed: -1 };
      const protocol = {
        ...demo.protocol,
        clip: c.clip,
        imageSize: c.imageSize,
        autocast: c.autocast,
        device: c.device,
      };
      const epochs = values['backbone-epochs'];
      const set = values.for === 'method' ? 'method' : 'judges';
      const base = SETS[set];
      const b: BackboneConfig = {
        ...base,
        seed: base.seed + c.seed,
        clips: values['backbone-clips'] ?? base.clips,
        images: values['backbone-images'] ?? base.images,
        actionEpochs: epochs ?? base.actionEpochs,
        attackerEpochs: epochs ?? base.attackerEpochs,
      };
      // Its result line goes to stdout; --quiet silences only the bar.
      const out = { log: (s: string) => console.log(s), bar: (values.quiet ? SILENT : CONSOLE).bar };
      const reader = openReader(values);
      await pretrainBackbones(join(demo.workspace, 'backbones', set), data, protocol, b, out, reader).finally(
        () => reader.close(),
      );
      return 0;
    }
    const dir = join(resolve(values.workspace), 'pretrained');
    const key = WHICH[what];
    const file = join(dir, `${key}.safetensors`);
    if (values.resume && values.overwrite) throw new UsageError('give --resume or --overwrite, not both');
    if (existsSync(file) && !values.resume && !values.overwrite)
      throw new UsageError(`${file} already exists: --resume trains it further, --overwrite replaces it`);
    const src = await dataSource(values);
    const reader = openReader(values);
    const sets = await readSets(src, dataPlan(values, c), 8, reader);
    const nets = createNetworks(c, sets.trainVideos.classes.length);
    mkdirSync(dir, { recursive: true });
    if (values.resume && existsSync(file)) loadCheckpointInto(nets[key], file);
    const p = c.pretrain;
    const frames = sets.trainVideos.items.reduce((n, v) => n + frameCount(v.source), 0);
    const pool = sets.trainImages.items.length + Math.round(frames * p.actionFrameFraction);
    const total =
      what === 'action'
        ? p.actionEpochs * Math.floor(sets.trainVideos.items.length / c.clipsPerBatch)
        : what === 'privacy'
          ? p.privacyEpochs * Math.floor(sets.trainImages.items.length / p.batch)
          : p.anonymizerEpochs * Math.floor(pool / p.batch);
    const bar = progress(values.quiet, `pretrain ${what}`, total);
    const tick = (w: string): void => bar.tick(w);
    const losses = await (
      what === 'anonymizer'
        ? pretrainAnonymizer(nets.fA, sets.trainImages, sets.trainVideos, c, tick)
        : what === 'privacy'
          ? pretrainPrivacy(nets.fB, sets.trainImages, c, tick)
          : pretrainAction(nets.fT, sets.trainVideos, c, tick)
    ).finally(() => reader.close());
    bar.finish();
    saveCheckpoint(file, nets[key], {
      input: { height: c.clip.size, width: c.clip.size },
      config: c,
      extra: { role: key, losses: JSON.stringify(losses) },
    });
    console.log(`${what}: loss per epoch ${losses.map((l) => l.toFixed(4)).join(' ')}\nwrote ${file}`);
    return 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
