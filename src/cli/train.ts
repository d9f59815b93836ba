// `veil train`: the two-step minimax from the pre-trained networks in <workspace>/pretrained (fresh
// ones where absent), checkpointing every epoch to <workspace>/runs/<name>; --resume continues.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { minimaxBatches, trainMinimax } from '../method/minimax.js';
import { createNetworks } from '../method/pretrain.js';
import { loadCheckpointInto } from '../models/index.js';
import { readSets } from '../runs/experiment.js';
import { dataPlan, METHOD_FLAGS, methodConfig, requireData } from '../runs/options.js';
import { Progress } from '../runs/progress.js';
import { Registry } from '../runs/registry.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...METHOD_FLAGS, name: { type: 'string' } } });
  if (values.help) {
    console.log(
      'usage: veil train --data DIR [--workspace DIR] [--name NAME] [--B 0.3] [--lambda 1] [--w-t 1] [--w-b 1]\n' +
        '         [--lr-a ..] [--lr-t ..] [--lr-b ..] [--epochs N] [--clips-per-batch N] [--images-per-batch N]\n' +
        '         [--frames T] [--stride S] [--size PX] [--f-a NAME[:JSON]] [--f-t ..] [--f-b ..]\n' +
        '         [--penalty-grad hinge|none] [--seed N] [--autocast] [--checkpoint-every N] [--resume]\n' +
        '  --lambda 0 is SPAct; --penalty-grad none reproduces the released code (no gradient through the penalty).',
    );
    return 0;
  }
  const c = methodConfig(values);
  const ws = resolve(values.workspace);
  const sets = await readSets(resolve(requireData(values)), dataPlan(values, c), 8);
  const n = createNetworks(c, sets.trainVideos.classes.length);
  for (const [k, net] of Object.entries(n)) {
    const f = join(ws, 'pretrained', `${k}.safetensors`);
    if (existsSync(f)) loadCheckpointInto(net, f);
    else console.error(`note: ${f} not found; ${k} starts from fresh weights`);
  }
  const name = values.name ?? (c.lambda === 0 ? 'spact' : `veil-B${c.B}`);
  const reg = Registry.forWorkspace(ws);
  const id = reg.startRun('minimax', name, c);
  const bar = new Progress(`train ${name}`, c.epochs * minimaxBatches(sets, c));
  try {
    const r = trainMinimax(n, sets, c, {
      dir: join(ws, 'runs', name),
      resume: values.resume,
      tick: (w) => bar.tick(w),
      onEpoch: (e) => {
        reg.logEpoch(id, e.epoch, {
          LA: e.LA,
          LT: e.LT,
          LB: e.LB,
          Lpenalty: e.Lpenalty,
          rms: e.rms,
          valTop1: e.val.top1,
        });
        console.error(
          `\nepoch ${e.epoch}: L_T ${e.LT.toFixed(3)} L_B ${e.LB.toFixed(3)} L_penalty ${e.Lpenalty.toFixed(4)} RMS ${e.rms.toFixed(3)} ` +
            `| val top-1 ${(e.val.top1 * 100).toFixed(1)}% probe cMAP ${(e.val.privacyProbe * 100).toFixed(1)}%`,
        );
      },
    });
    reg.finishRun(id, 'done');
    console.log(`selected epoch ${r.selectedEpoch} (${r.rule}); f_A: ${r.fAPath}`);
  } catch (e) {
    reg.finishRun(id, 'failed');
    throw e;
  } finally {
    reg.close();
  }
  return 0;
}
