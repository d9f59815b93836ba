// `veil eval`: the protocol for one anonymizer (a trained f_A or a baseline) on the dataset at
// --data (or --action-data and --privacy-data), over --seeds N fresh judges; with --novel-* flags,
// the paper's novel protocol too: the same f_A judged on actions and attributes it never saw
// (UCF101 -> HMDB51, VISPR-1 -> VISPR-2, UCF101 -> PA-HMDB51, VP-HMDB51 -> VP-UCF101).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { UsageError } from '../data/errors.js';
import { meanStd } from '../eval/metrics.js';
import { judgeAction, judgeAttacker, judgeSteps, type ProtocolConfig } from '../eval/protocol.js';
import { judgeVideoAttacker, videoAttackerSteps } from '../eval/video_attacker.js';
import { anonymizeImageSet, anonymizeVideoSet, forgetSets, learned } from '../method/anonymize.js';
import { type Anonymizer, baselines } from '../method/baselines.js';
import { loadAnonymizer } from '../models/index.js';
import { type Backbones, readBackbones } from '../runs/backbones.js';
import { type DataSource, readSets, type Sets } from '../runs/data.js';
import { dataPlan, dataSource, initFile, methodConfig, sourceOf } from '../runs/options.js';
import { demoConfig } from '../runs/presets.js';
import { Registry } from '../runs/registry.js';
import { defineCommand, execute, JSON_OUT, QUIET } from './flags.js';
import { openReader } from './loader.js';
import { METHOD_FLAGS } from './method-flags.js';
import { progress } from './quiet.js';

type Bar = ReturnType<typeof progress>;

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
  usage:
    '(--data DIR | --action-data DIR --privacy-data DIR|CSV) (--weights fA.safetensors | --baseline NAME)\n' +
    '[--novel-action-data DIR] [--novel-privacy-data DIR|CSV] [--novel-attributes SET] [--seeds N] [options]',
  description:
    'Trains a fresh action model on the anonymized clips (video-level top-1) and a fresh multi-label\n' +
    "attacker on the anonymized images (cMAP and F1 at its best epoch), per seed: of --f-t's and --f-b's\n" +
    'architectures, from --backbones or --action-init/--privacy-init when given; records the run in\n' +
    '<workspace>/runs.sqlite. With a VP-UCF101 / VP-HMDB51 CSV as --privacy-data the attacker judges whole\n' +
    "videos: a fresh 3D network of --f-t's architecture with a multi-label head, cMAP and F1 over test videos.\n" +
    '\n' +
    'The novel protocol (any --novel-* flag): the same anonymizer judged again, by fresh judges from the same\n' +
    'starting weights, on actions and attributes f_A never saw; each --novel-* flag left out keeps the known\n' +
    "protocol's value. The paper's:\n" +
    '  UCF101 -> HMDB51:      --action-data UCF101/ --novel-action-data HMDB51/\n' +
    '  VISPR-1 -> VISPR-2:    --privacy-data vispr/ --novel-attributes vispr2\n' +
    '  UCF101 -> PA-HMDB51:   --novel-action-data HMDB51/ --novel-privacy-data PA-HMDB51/\n' +
    '  VP-HMDB51 -> VP-UCF101: --action-data HMDB51/ --privacy-data vp_hmdb51_privacy_attribute_label.csv\n' +
    '                         --novel-action-data UCF101/ --novel-privacy-data vp_ucf101_privacy_attribute_label.csv',
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
      name: 'novel-action-data',
      type: 'string',
      placeholder: 'DIR',
      defaultText: "the known protocol's",
      help: 'novel protocol: its action videos, a UCF101 or HMDB51 tree (the paper: HMDB51 for an f_A trained on UCF101)',
    },
    {
      name: 'novel-action-format',
      type: 'string',
      choices: ['ucf101', 'hmdb51'],
      defaultText: 'found from the split files',
      help: "--novel-action-data's layout",
    },
    {
      name: 'novel-privacy-data',
      type: 'string',
      placeholder: 'DIR|CSV',
      defaultText: "the known protocol's",
      help: 'novel protocol: its privacy data, as --privacy-data (VISPR, PA-HMDB51, or a VP-* CSV of --novel-action-data)',
    },
    {
      name: 'novel-privacy-format',
      type: 'string',
      choices: ['vispr', 'pahmdb51', 'vp'],
      defaultText: 'found from what --novel-privacy-data holds',
      help: "--novel-privacy-data's layout",
    },
    {
      name: 'novel-attributes',
      type: 'string',
      placeholder: 'SET',
      defaultText: "the known protocol's",
      help: "novel protocol: VISPR's attributes (vispr2: SPAct's VISPR-2, or ids like a6_hair_color,a16_race)",
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
    const novelGiven = [
      values['novel-action-data'],
      values['novel-action-format'],
      values['novel-privacy-data'],
      values['novel-privacy-format'],
      values['novel-attributes'],
    ].some((x) => x !== undefined);
    // Each novel flag left out keeps the known protocol's value (its format, when the path is kept).
    const novelSrc = novelGiven
      ? await sourceOf(
          {
            action: values['novel-action-data'] ?? src.action,
            actionFormat:
              values['novel-action-format'] ??
              (values['novel-action-data'] === undefined ? src.format : undefined),
            privacy: values['novel-privacy-data'] ?? src.privacy,
            privacyFormat:
              values['novel-privacy-format'] ??
              (values['novel-privacy-data'] === undefined ? src.privacyFormat : undefined),
            attributes:
              values['novel-attributes'] ??
              (values['novel-privacy-data'] === undefined && src.attributes !== undefined
                ? [src.attributes].flat().join(',')
                : undefined),
          },
          src.split,
          'novel-',
        )
      : null;
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
      for (const s of [src, novelSrc])
        if (s && s.privacyFormat !== 'vispr')
          throw new UsageError(
            `'${a.name}' skipped: person boxes are read for VISPR's images, and ${s.privacy} is ${s.privacyFormat === 'vp' ? 'a VP-* CSV' : 'PA-HMDB51'}`,
          );
    } else if (values.boxes !== undefined) note(`note: --boxes ignored: '${a.name}' reads no person boxes`);
    const reader = openReader(values);
    const plan = dataPlan(values, c);
    const sets = await readSets({ ...src, boxes }, plan, 8, reader);
    const novelSets = novelSrc ? await readSets({ ...novelSrc, boxes }, plan, 8, reader) : null;
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
    const protocol: ProtocolConfig = {
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
    const given = {
      clips: values['clips-per-batch'] !== undefined,
      images: values['images-per-batch'] !== undefined,
    };
    checkBatches(protocol, sets, src, given);
    if (novelSets && novelSrc) checkBatches(protocol, novelSets, novelSrc, given);
    if (!protocol.actionInit)
      note(
        'note: the action judges train from scratch (no --backbones or --action-init); at demo sizes they need the backbones to learn SynthPAR',
      );
    const reg = Registry.forWorkspace(resolve(values.workspace));
    const described = (s: DataSource) => ({
      action: s.action,
      format: s.format,
      split: s.split,
      privacy: s.privacy,
      privacyFormat: s.privacyFormat,
      attributes: s.attributes ?? null,
    });
    const id = reg.startRun('eval', a.name, {
      method: c,
      protocol,
      seeds,
      anonymizer,
      data: described(src),
      novel: novelSrc ? described(novelSrc) : null,
    });
    const protocols = [{ name: a.name, sets }];
    if (novelSets) protocols.push({ name: `${a.name} (novel protocol)`, sets: novelSets });
    const bar = progress(
      values.quiet,
      `eval ${a.name}`,
      protocols.reduce((n, p) => n + seeds * stepsOf(protocol, p.sets), 0),
    );
    const scores: Scores[] = [];
    try {
      for (const p of protocols)
        scores.push(
          await judgeAll(a, p.sets, protocol, seeds, bar, (s, m) => reg.logResult(id, p.name, s, m)),
        );
      bar.finish();
      reg.finishRun(id, 'done');
    } catch (e) {
      reg.finishRun(id, 'failed');
      throw e;
    } finally {
      reg.close();
      await reader.close();
    }
    const [known, novel] = scores as [Scores, Scores | undefined];
    if (values.json) {
      const stat = (v: number[]) => ({ ...meanStd(v), values: v });
      const json = (r: Scores) => ({ top1: stat(r.top1), cmap: stat(r.cmap), f1: stat(r.f1) });
      const out = {
        run: id,
        method: a.name,
        anonymizer,
        seeds,
        ...json(known),
        attributes: sets.videoAttributes?.attributes ?? sets.trainImages.attributes,
        ...(novel && novelSets && novelSrc
          ? {
              novel: {
                ...json(novel),
                data: described(novelSrc),
                classes: novelSets.trainVideos.classes,
                attributes: novelSets.videoAttributes?.attributes ?? novelSets.trainImages.attributes,
              },
            }
          : {}),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    const f = (v: number[], k: number): string => {
      const { mean, std } = meanStd(v);
      return `${(mean * k).toFixed(2)} ± ${(std * k).toFixed(2)}`;
    };
    const line = (r: Scores) => `action top-1 ${f(r.top1, 100)}%  cMAP ${f(r.cmap, 100)}%  F1 ${f(r.f1, 1)}`;
    console.log(`${a.name}: ${line(known)}  (${seeds} seed(s), run ${id})`);
    if (novel) console.log(`${a.name}, novel protocol: ${line(novel)}`);
    return 0;
  },
});

interface Scores {
  top1: number[];
  cmap: number[];
  f1: number[];
}

/**
 * A judge's batch larger than its training set: each epoch would take no step (the last partial
 * batch is dropped), and the untrained judge's numbers would read as a result. Named by its flag.
 */
function checkBatches(
  p: ProtocolConfig,
  sets: Sets,
  src: DataSource,
  given: { clips: boolean; images: boolean },
): void {
  const flag = (name: string, v: number, isGiven: boolean): string =>
    isGiven ? `--${name} ${v}` : `--${name} (default ${v})`;
  const videos = sets.trainVideos.items.length;
  if (videos < p.clipsPerBatch)
    throw new UsageError(
      `${flag('clips-per-batch', p.clipsPerBatch, given.clips)} is more than the ${videos} training videos of ${src.action}: ` +
        `the action judge${sets.videoAttributes ? ' and the video attacker' : ''} would take no step; give --clips-per-batch ${videos} or less`,
    );
  const images = sets.trainImages.items.length;
  if (!sets.videoAttributes && images < p.imagesPerBatch)
    throw new UsageError(
      `${flag('images-per-batch', p.imagesPerBatch, given.images)} is more than the ${images} training images of ${src.privacy}: ` +
        `the attacker would take no step; give --images-per-batch ${images} or less`,
    );
}

/** Judging steps of one protocol's sets: the video attacker's when the labels are per video (VP-*). */
function stepsOf(p: ProtocolConfig, sets: Sets): number {
  const n = sets.trainVideos.items.length;
  return sets.videoAttributes
    ? judgeSteps(p, n, 0) + videoAttackerSteps(p, n)
    : judgeSteps(p, n, sets.trainImages.items.length);
}

/** One protocol: the sets anonymized once, then per seed a fresh action judge and a fresh attacker. */
async function judgeAll(
  a: Anonymizer,
  sets: Sets,
  protocol: ProtocolConfig,
  seeds: number,
  bar: Bar,
  record: (seed: number, m: Record<string, number>) => void,
): Promise<Scores> {
  const trainV = await anonymizeVideoSet(a, sets.trainVideos);
  const testV = await anonymizeVideoSet(a, sets.testVideos);
  // VP-*: the attacker judges the anonymized videos; no image is judged.
  const images = sets.videoAttributes
    ? null
    : {
        train: await anonymizeImageSet(a, sets.trainImages),
        test: await anonymizeImageSet(a, sets.testImages),
      };
  const out: Scores = { top1: [], cmap: [], f1: [] };
  for (let s = 0; s < seeds; s++) {
    const tick = (w: string): void => bar.tick(`seed ${s + 1}/${seeds}: ${w}`);
    const act = await judgeAction(trainV, testV, protocol, 1000 + s, tick);
    const prv = images
      ? await judgeAttacker(images.train, images.test, protocol, 2000 + s, tick)
      : await judgeVideoAttacker(
          trainV,
          testV,
          sets.videoAttributes as NonNullable<Sets['videoAttributes']>,
          protocol,
          2000 + s,
          tick,
        );
    out.top1.push(act.top1);
    out.cmap.push(prv.best.cmap);
    out.f1.push(prv.best.f1);
    record(s, {
      top1: act.top1,
      cmap: prv.best.cmap,
      f1: prv.best.f1,
      f1LogitAbove05: prv.best.f1LogitAbove05,
    });
  }
  forgetSets(trainV, testV, ...(images ? [images.train, images.test] : []));
  return out;
}

export const run = (argv: string[]): Promise<number> => execute(command, argv);
