// `veil train`: the two-step minimax from the pre-trained networks in <workspace>/pretrained (fresh
// ones where absent), checkpointing every epoch to <workspace>/runs/<name>; --resume continues
// there, --overwrite starts it again, and without either an existing run is never touched.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

import { UsageError } from '../data/errors.js';
import { firstVideos } from '../data/loader/index.js';
import { minimaxBatches, trainMinimax } from '../method/minimax.js';
import { createNetworks } from '../method/pretrain.js';
import { loadCheckpointInto } from '../models/index.js';
import { readSets } from '../runs/data.js';
import { followRun } from '../runs/follow.js';
import { dataPlan, dataSource, methodConfig } from '../runs/options.js';
import { Registry } from '../runs/registry.js';
import { defineCommand, execute, QUIET } from './flags.js';
import { openReader } from './loader.js';
import { METHOD_FLAGS } from './method-flags.js';
import { progress } from './quiet.js';

export const command = defineCommand({
  name: 'train',
  summary: 'the two-step minimax (veil; --lambda 0 is SPAct), with exact --resume',
  usage: '--data DIR [-B B] [--lambda L] [--name NAME] [--resume | --overwrite] [options]',
  description:
    'Starts f_A, f_T and f_B from <workspace>/pretrained (fresh weights where absent), checkpoints every\n' +
    'epoch to <workspace>/runs/NAME, and selects f_A on the validation split. A run folder that exists\n' +
    'needs --resume (continue exactly where it stopped) or --overwrite (delete it, start again).',
  positionals: [],
  flags: [
    ...METHOD_FLAGS,
    {
      name: 'name',
      type: 'string',
      placeholder: 'NAME',
      defaultText: "'spact' for --lambda 0, else veil-B<budget>",
      help: 'the run, and its folder <workspace>/runs/NAME',
    },
    {
      name: 'resume',
      type: 'boolean',
      help: 'continue the run in <workspace>/runs/NAME from its last checkpoint',
    },
    {
      name: 'overwrite',
      type: 'boolean',
      help: 'delete <workspace>/runs/NAME first and train from the start',
    },
    {
      name: 'max-steps',
      type: 'int',
      min: 1,
      placeholder: 'N',
      defaultText: 'to the last epoch',
      help: 'stop after N minimax steps, checkpointed (--resume continues): a time-boxed run',
    },
    QUIET,
  ],
  async run({ values }) {
    const c = methodConfig(values);
    const ws = resolve(values.workspace);
    const name = values.name ?? (c.lambda === 0 ? 'spact' : `veil-B${c.B}`);
    const dir = join(ws, 'runs', name);
    if (values.resume && values.overwrite) throw new UsageError('give --resume or --overwrite, not both');
    // A folder with nothing in it (a run that failed before its first checkpoint) holds no work.
    if (existsSync(dir) && readdirSync(dir).length > 0 && !values.resume && !values.overwrite)
      throw new UsageError(
        `${dir} already exists (run '${name}'): --resume continues it, --overwrite deletes it and starts again`,
      );
    const src = await dataSource(values);
    const note = (s: string): void => {
      if (!values.quiet) console.error(s);
    };
    const reader = openReader(values);
    const sets = await readSets(src, dataPlan(values, c), 8, reader);
    const n = createNetworks(c, sets.trainVideos.classes.length);
    for (const [k, net] of Object.entries(n)) {
      const f = join(ws, 'pretrained', `${k}.safetensors`);
      if (existsSync(f)) loadCheckpointInto(net, f);
      else note(`note: ${f} not found; ${k} starts from fresh weights`);
    }
    if (values.overwrite) rmSync(dir, { recursive: true, force: true });
    const reg = Registry.forWorkspace(ws);
    const id = reg.startRun('minimax', name, c, dir);
    const bar = progress(values.quiet, `train ${name}`, c.epochs * minimaxBatches(sets, c));
    const videos = {
      videos: await firstVideos(sets.valVideos, 4),
      width: sets.valVideos.width,
      height: sets.valVideos.height,
    };
    const follow = followRun(dir, reg, id, c, { fA: n.fA, videos });
    try {
      const r = await trainMinimax(n, sets, c, {
        dir,
        resume: values.resume,
        ...(values['max-steps'] !== undefined ? { maxSteps: values['max-steps'] } : {}),
        tick: (w) => bar.tick(w),
        onStep: follow.onStep,
        onEpoch: (e, step, loader) => {
          follow.onEpoch(e, step, loader);
          note(
            `\nepoch ${e.epoch}: L_T ${e.LT.toFixed(3)} L_B ${e.LB.toFixed(3)} L_penalty ${e.Lpenalty.toFixed(4)} RMS ${e.rms.toFixed(3)} ` +
              `| val top-1 ${(e.val.top1 * 100).toFixed(1)}% f_B match ${(e.val.privacyMatch * 100).toFixed(1)}%`,
          );
        },
      });
      bar.finish();
      reg.finishRun(id, r.stopped ? 'interrupted' : 'done');
      const { wait, seconds } = r.loader;
      note(
        `loader: the steps waited ${wait.toFixed(2)} s of ${seconds.toFixed(2)} s for batches (${((100 * wait) / Math.max(1e-9, seconds)).toFixed(1)}%)`,
      );
      if (r.stopped) console.log(`stopped after --max-steps ${values['max-steps']}; --resume continues`);
      else console.log(`selected epoch ${r.selectedEpoch} (${r.rule}); f_A: ${r.fAPath}`);
    } catch (e) {
      reg.finishRun(id, 'failed');
      throw e;
    } finally {
      follow.close();
      reg.close();
      await reader.close();
    }
    return 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
