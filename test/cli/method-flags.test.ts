// The flags of the variants beyond the paper reach the method's config through veil train's table,
// and bad values are usage errors naming the flag or field.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { parse } from '../../src/cli/flags.js';
import { command as train } from '../../src/cli/train.js';
import { PAPER } from '../../src/method/config.js';
import { methodConfig, type MethodValues } from '../../src/runs/options.js';

const config = (argv: string[]) => {
  const p = parse(train, ['--data', '/nowhere', ...argv]);
  assert.notEqual(p, 'help');
  return methodConfig((p as { values: MethodValues }).values);
};

test('veil train: --adversaries, --adversary-reinit-every/-from/-warmup and a motion f_A set the config', () => {
  assert.deepEqual(
    config([]).adversaries,
    PAPER.adversaries,
    "left out: the paper's one f_B, never restarted",
  );
  const c = config([
    '--adversaries',
    '3',
    '--adversary-reinit-every',
    '40',
    '--adversary-reinit-from',
    'scratch',
    '--adversary-warmup',
    '10',
    '--f-a',
    'unet-motion:{"gap":2,"width":8}',
  ]);
  assert.deepEqual(c.adversaries, { count: 3, reinitEvery: 40, reinitFrom: 'scratch', warmup: 10 });
  assert.deepEqual(c.fA, { name: 'unet-motion', options: { gap: 2, width: 8 } });
  assert.throws(() => config(['--adversary-reinit-from', 'imagenet']), /adversary-reinit-from/);
  assert.throws(() => config(['--adversaries', '0']), /adversaries/);
  // The demo preset's clips are 2 frames apart: a motion f_A comparing neighbours is refused.
  assert.throws(
    () => config(['--f-a', 'unet-motion']),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 2 && /'fA\.options\.gap' must be the clip stride \(2\)/.test(e.message),
  );
});
