// `veil eval`: the protocol for one anonymizer (a trained f_A or a baseline) on the dataset at
// --data, over --seeds N fresh judges; --variant novel judges on SynthPAR's novel actions and attributes.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { UsageError } from '../data/errors.js';
import { meanStd } from '../eval/metrics.js';
import { judgeAction, judgeAttacker, judgeSteps } from '../eval/protocol.js';
import { anonymizeImageSet, anonymizeVideoSet, learned } from '../method/anonymize.js';
import { type Anonymizer, baselines } from '../method/baselines.js';
import { loadAnonymizer } from '../models/index.js';
import { type Backbones, readBackbones } from '../runs/backbones.js';
import { readSets } from '../runs/data.js';
import { dataPlan, dataSource, initFile, methodConfig } from '../runs/options.js';
import { demoConfig } from '../runs/presets.js';
import { Registry } from '../runs/registry.js';
import { defineCommand, execute, JSON_OUT, QUIET } from './flags.js';
import { openReader } from './loader.js';
import { METHOD_FLAGS } from './method-flags.js';
import { progress } from './quiet.js';

const BASELINES = baselines().map((b) => b.name);
/** The judges' training settings that no flag changes. */
const JUDGES = demoConfig('').protocol;

/** What a learned f_A was trained with, from its checkpoint's config (null when not recorded). */
function trainedWith(config: unknown): { B: number | null; lambda: number | null } {
  const c = (config ?? {}) as { B?: unknown; lambda?: unknown };
  return {
    B: typeof c.B === 'number' ? c.B : null,
    lambda: typeof c.lambda === 'number' ? c.lambda : null,
  };
}

export const command = defineCommand({
  name: 'eval',
  summary: 'judge an anonymizer with fresh action and attacker models (--seeds N)',
  usage: '--data DIR (--weights fA.safetensors | --baseline NAME) [--seeds N] [options]',
  description:
    'Trains a fresh action model on the anonymized clips (video-level top-1) and a fresh multi-label\n' +
    "attacker on the anonymized images (cMAP and F1 at its best epoch), per seed: of --f-t's and --f-b's\n" +
    'architectures, from --backbones or --action-init/--privacy-init when given; records the run in\n' +
    '<workspace>/runs.sqlite.',
  positionals: [],
  flags: [
    ...METHOD_FLAGS,
    {
      name: 'weights',
      type: 'string',
      placeholder: 'CKPT',
      help: 'a trained f_A checkpoint (.safetensors) to judge',
    },
    {
      name: 'baseline',
      type: 'string',
      choices: BASELINES,
      placeholder: 'NAME',
      help: 'a baseline to judge',
    },
    {
      name: 'boxes',
      type: 'string',
      placeholder: 'FILE',
      defaultText: "--data's boxes.json when there (SynthPAR's)",
      help: 'person boxes for the obfuscation baselines (format: README, "Person boxes"); nothing else reads them',
    },
    {
      name: 'judge-epochs',
      type: 'int',
      min: 1,
      placeholder: 'N',
      defaultText: `action judge ${JUDGES.actionEpochs}, attacker ${JUDGES.attackerEpochs}`,
      help: "epochs of the fresh action judge and of the attacker (the attacker's best one is kept)",
    },
    {
      name: 'seeds',
      type: 'int',
      min: 1,
      default: 1,
      placeholder: 'N',
      help: 'fresh judges (seeds) to average over',
    },
    JSON_OUT,
    QUIET,
  ],
  async run({ values }) {
    if (!values.weights === !values.baseline)
      throw new UsageError('give one anonymizer: --weights fA.safetensors or --baseline NAME');
    const c = methodConfig(values, 'judges');
    const seeds = values.seeds;
    const src = await dataSource(values);
    const note = (s: string): void => {
      if (!values.quiet) console.error(s);
    };
    let a: Anonymizer;
    let anonymizer: { name: string; weights: string | null; B: number | null; lambda: number | null };
    if (values.weights) {
      const weights = resolve(values.weights);
      const { net, spec } = loadAnonymizer(weights);
      const fA = net.to(c.device);
      a = learned(`f_A from ${values.weights}`, fA, { autocast: c.autocast });
      anonymizer = { name: a.name, weights, ...trainedWith(spec.config) };
    } else {
      a = baselines().find((x) => x.name === values.baseline) as Anonymizer;
      anonymizer = { name: a.name, weights: null, B: null, lambda: null };
    }
    // Only the obfuscation baselines read person boxes; a dataset without them is judged as usual.
    let boxes: string | null = null;
    if (a.needsBoxes) {
      if (values.boxes !== undefined && !existsSync(values.boxes))
        throw new UsageError(`--boxes: ${values.boxes} not found`);
      const synth = values.data === undefined ? null : join(values.data, 'boxes.json');
      boxes = values.boxes ?? (synth && existsSync(synth) ? synth : null);
      if (!boxes)
        throw new UsageError(
          `'${a.name}' skipped: it replaces the person boxes, and there are none (no --boxes${synth ? `, no ${synth}` : ''}); ` +
            'give --boxes FILE (format: README, "Person boxes")',
        );
    } else if (values.boxes !== undefined) note(`note: --boxes ignored: '${a.name}' reads no person boxes`);
    const reader = openReader(values);
    const sets = await readSets({ ...src, boxes }, dataPlan(values, c), 8, reader);
    // The judges start from --backbones (veil pretrain backbones --for judges) when given, else from scratch.
    let judges: Backbones | null = null;
    try {
      if (values.backbones !== undefined) judges = readBackbones(resolve(values.backbones));
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    // The judges are fresh models of f_T's and f_B's architectures (--f-t, --f-b), as in the paper.
    // --clips-per-batch and --images-per-batch, when given, size the judges' batches: at the
    // paper's network sizes a small machine (or the smoke test) needs smaller ones.
    const protocol = {
      ...JUDGES,
      actionEpochs: values['judge-epochs'] ?? JUDGES.actionEpochs,
      attackerEpochs: values['judge-epochs'] ?? JUDGES.attackerEpochs,
      clipsPerBatch: values['clips-per-batch'] ?? JUDGES.clipsPerBatch,
      imagesPerBatch: values['images-per-batch'] ?? JUDGES.imagesPerBatch,
      actionModel: c.fT.name,
      actionOptions: c.fT.options,
      attackerModel: c.fB.name,
      attackerOptions: c.fB.options,
      actionInit: initFile(values, 'action-init') ?? judges?.action ?? null,
      attackerInit: initFile(values, 'privacy-init') ?? judges?.privacy ?? null,
      clip: c.clip,
      imageSize: c.imageSize,
      autocast: c.autocast,
      device: c.device,
    };
    if (!protocol.actionInit)
      note(
        'note: the action judges train from scratch (no --backbones or --action-init); at demo sizes they need the backbones to learn SynthPAR',
      );
    const trainV = await anonymizeVideoSet(a, sets.trainVideos);
    const testV = await anonymizeVideoSet(a, sets.testVideos);
    const trainI = await anonymizeImageSet(a, sets.trainImages);
    const testI = await anonymizeImageSet(a, sets.testImages);
    const reg = Registry.forWorkspace(resolve(values.workspace));
    const id = reg.startRun('eval', a.name, { method: c, protocol, seeds, anonymizer });
    const bar = progress(
      values.quiet,
      `eval ${a.name}`,
      seeds * judgeSteps(protocol, trainV.items.length, trainI.items.length),
    );
    const top1: number[] = [];
    const cmap: number[] = [];
    const f1: number[] = [];
    try {
      for (let s = 0; s < seeds; s++) {
        const tick = (w: string): void => bar.tick(`seed ${s + 1}/${seeds}: ${w}`);
        const act = await judgeAction(trainV, testV, protocol, 1000 + s, tick);
        const prv = await judgeAttacker(trainI, testI, protocol, 2000 + s, tick);
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
      bar.finish();
      reg.finishRun(id, 'done');
    } catch (e) {
      reg.finishRun(id, 'failed');
      throw e;
    } finally {
      reg.close();
      await reader.close();
    }
    if (values.json) {
      const stat = (v: number[]) => ({ ...meanStd(v), values: v });
      const out = {
        run: id,
        method: a.name,
        anonymizer,
        seeds,
        top1: stat(top1),
        cmap: stat(cmap),
        f1: stat(f1),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    const f = (v: number[], k: number): string => {
      const { mean, std } = meanStd(v);
      return `${(mean * k).toFixed(2)} ± ${(std * k).toFixed(2)}`;
    };
    console.log(
      `${a.name}: action top-1 ${f(top1, 100)}%  cMAP ${f(cmap, 100)}%  F1 ${f(f1, 1)}  (${seeds} seed(s), run ${id})`,
    );
    return 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
