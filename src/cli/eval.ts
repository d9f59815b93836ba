// `veil eval`: the protocol for one anonymizer (a trained f_A or a baseline) on the dataset at
// --data, over --seeds N fresh judges; --variant novel judges on SynthPAR's novel actions and attributes.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { meanStd } from '../eval/metrics.js';
import { judgeAction, judgeAttacker } from '../eval/protocol.js';
import { anonymizeImageSet, anonymizeVideoSet, learned } from '../method/anonymize.js';
import { type Anonymizer, baselines } from '../method/baselines.js';
import { loadAnonymizer } from '../models/index.js';
import { readSets } from '../runs/experiment.js';
import { dataPlan, METHOD_FLAGS, methodConfig, requireData } from '../runs/options.js';
import { demoConfig } from '../runs/presets.js';
import { Registry } from '../runs/registry.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { ...METHOD_FLAGS, weights: { type: 'string' }, baseline: { type: 'string' } },
  });
  const names = baselines().map((b) => b.name);
  if (values.help || (!values.weights && !values.baseline)) {
    console.log(
      `usage: veil eval --data DIR (--weights fA.safetensors | --baseline NAME) [--seeds N] [--variant known|novel] [--backbones DIR] [method flags]\n  baselines: ${names.join('; ')}`,
    );
    return values.help ? 0 : 2;
  }
  const c = methodConfig(values);
  const seeds = Number(values.seeds);
  if (!(Number.isInteger(seeds) && seeds >= 1))
    throw new Error(`--seeds must be a positive integer, got '${values.seeds}'`);
  let a: Anonymizer;
  if (values.weights) {
    const { net: fA } = loadAnonymizer(resolve(values.weights));
    a = learned(`f_A from ${values.weights}`, fA, { autocast: c.autocast });
  } else {
    const b = baselines().find((x) => x.name === values.baseline);
    if (!b) throw new Error(`--baseline: unknown '${values.baseline}'; one of: ${names.join('; ')}`);
    a = b;
  }
  const sets = await readSets(resolve(requireData(values)), dataPlan(values, c), 8);
  // The judges start where f_T and f_B do: from --backbones when given, else from scratch.
  const protocol = {
    ...demoConfig('', false).protocol,
    actionInit: c.fT.backbone ?? null,
    attackerInit: c.fB.backbone ?? null,
    clip: c.clip,
    imageSize: c.imageSize,
    autocast: c.autocast,
  };
  if (!protocol.actionInit)
    console.error(
      'veil eval: the judges train from scratch (no --backbones); at demo sizes they need the backbones to learn SynthPAR',
    );
  const trainV = anonymizeVideoSet(a, sets.trainVideos);
  const testV = anonymizeVideoSet(a, sets.testVideos);
  const trainI = anonymizeImageSet(a, sets.trainImages);
  const testI = anonymizeImageSet(a, sets.testImages);
  const reg = Registry.forWorkspace(resolve(values.workspace));
  const id = reg.startRun('eval', a.name, { method: c, protocol, seeds });
  const top1: number[] = [];
  const cmap: number[] = [];
  const f1: number[] = [];
  for (let s = 0; s < seeds; s++) {
    const act = judgeAction(trainV, testV, protocol, 1000 + s);
    const prv = judgeAttacker(trainI, testI, protocol, 2000 + s);
    top1.push(act.top1);
    cmap.push(prv.best.cmap);
    f1.push(prv.best.f1);
    reg.logResult(id, a.name, s, {
      top1: act.top1,
      cmap: prv.best.cmap,
      f1: prv.best.f1,
      f1LogitAbove05: prv.best.f1LogitAbove05,
    });
  }
  reg.finishRun(id, 'done');
  reg.close();
  const f = (v: number[], k: number): string => {
    const { mean, std } = meanStd(v);
    return `${(mean * k).toFixed(2)} ± ${(std * k).toFixed(2)}`;
  };
  console.log(
    `${a.name}: action top-1 ${f(top1, 100)}%  cMAP ${f(cmap, 100)}%  F1 ${f(f1, 1)}  (${seeds} seed(s))`,
  );
  return 0;
}
