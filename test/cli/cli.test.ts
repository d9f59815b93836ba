// The `veil` command line as a user meets it: every command's generated --help (each flag with its
// default), `veil help CMD`, --version, a usage error per command (exit 2, naming the flag),
// --json of `models` and `runs`, and `veil train` / `veil pretrain` refusing to touch existing work.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';

import type { Command, FlagSpec } from '../../src/cli/flags.js';
import { COMMANDS } from '../../src/cli/main.js';
import { demoConfig } from '../../src/runs/presets.js';
import { Registry } from '../../src/runs/registry.js';
import { ROOT, tempDir } from '../helpers.js';

const VEIL = join(ROOT, 'bin', 'veil.js');
delete process.env.VEIL_WORKSPACE; // the help shows the default this process computes

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function veil(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  const child = spawn(process.execPath, [VEIL, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs `jobs` two at a time (the machine has two cores). */
async function pool<T>(jobs: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const out: T[] = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await (jobs[i] as () => Promise<T>)();
      }
    }),
  );
  return out;
}

const squash = (s: string): string => s.replace(/\s+/g, ' ');
const lazy = <V>(v: V | (() => V)): V => (typeof v === 'function' ? (v as () => V)() : v);
const fmt = (v: unknown): string => (Array.isArray(v) ? v.join(',') : String(v));

let commands: Command[] = [];
before(async () => {
  commands = await Promise.all(Object.values(COMMANDS).map(async (load) => (await load()).command));
});

/** A value of some flag of `cmd` that the table refuses, and what the error must say. */
function badValue(cmd: Command): { argv: string[]; error: RegExp } {
  const flags = cmd.flags as readonly FlagSpec[];
  const numeric = flags.find((f) => f.type === 'int' || f.type === 'number' || f.type === 'list');
  if (numeric) return { argv: [`--${numeric.name}`, 'x'], error: new RegExp(`--${numeric.name} takes `) };
  const choice = flags.find((f) => f.choices);
  if (choice) return { argv: [`--${choice.name}`, 'nope'], error: new RegExp(`--${choice.name} must be `) };
  const str = flags.find((f) => f.type === 'string');
  if (str) return { argv: [`--${str.name}`], error: new RegExp(`--${str.name} needs a value`) };
  const flag = flags[0] as FlagSpec;
  return { argv: [`--${flag.name}=yes`], error: new RegExp(`--${flag.name} takes no value`) };
}

describe('help, version and usage errors of every command', () => {
  test('every command is listed by veil --help and veil help', async () => {
    const [a, b, none] = await pool([() => veil(['--help']), () => veil(['help']), () => veil([])]);
    assert.equal(a?.code, 0);
    assert.equal(b?.stdout, a?.stdout);
    for (const c of commands) assert.ok(squash(a?.stdout ?? '').includes(` ${c.name} ${c.summary}`), c.name);
    assert.equal(none?.code, 2, 'no command at all is a usage error');
    assert.equal(commands.length, 13);
  });

  test('--version and -V print package.json version', async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const r of await pool([() => veil(['--version']), () => veil(['-V'])])) {
      assert.equal(r.code, 0);
      assert.equal(r.stdout, `veil ${version}\n`);
    }
  });

  test('CMD --help shows every flag with its default; veil help CMD is the same text', async () => {
    const jobs = commands.flatMap((c) => [
      () => veil([...c.name.split(' '), '--help']),
      () => veil(['help', ...c.name.split(' ')]),
    ]);
    const results = await pool(jobs);
    commands.forEach((c, i) => {
      const help = results[2 * i] as Result;
      const viaHelp = results[2 * i + 1] as Result;
      assert.equal(help.code, 0, `${c.name}: ${help.stderr}`);
      assert.equal(help.stderr, '');
      assert.ok(help.stdout.startsWith(`usage: veil ${c.name}`), `${c.name}: ${help.stdout.slice(0, 80)}`);
      assert.equal(viaHelp.code, 0);
      assert.equal(viaHelp.stdout, help.stdout, `veil help ${c.name}`);
      const text = squash(help.stdout);
      for (const f of c.flags as readonly FlagSpec[]) {
        assert.ok(text.includes(`--${f.name}`), `${c.name}: --${f.name} is in the help`);
        if (f.short) assert.ok(text.includes(`-${f.short}, --${f.name}`), `${c.name}: -${f.short}`);
        if (f.required) assert.ok(text.includes('(required'), `${c.name}: --${f.name} required`);
        else if (f.default !== undefined)
          assert.ok(
            text.includes(`default: ${squash(fmt(lazy(f.default)))}`),
            `${c.name}: --${f.name} shows default ${fmt(lazy(f.default))}`,
          );
        else if (f.defaultText)
          assert.ok(text.includes(`default: ${squash(f.defaultText)}`), `${c.name}: --${f.name} default`);
      }
      for (const p of c.positionals) assert.ok(text.includes(p.name), `${c.name}: ${p.name}`);
      assert.ok(text.includes('-h, --help'));
    });
  });

  test('a bad value and an unknown flag are usage errors (exit 2) naming the flag, per command', async () => {
    const jobs = commands.map((c) => () => veil([...c.name.split(' '), ...badValue(c).argv]));
    const results = await pool(jobs);
    commands.forEach((c, i) => {
      const r = results[i] as Result;
      assert.equal(r.code, 2, `${c.name}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^veil ${c.name}: `));
      assert.match(r.stderr, badValue(c).error, c.name);
      assert.match(r.stderr, new RegExp(`\\(veil help ${c.name}\\)\\n$`));
    });
    const more = await pool([
      () => veil(['train', '--no-such-flag']),
      () => veil(['train', '--B', '0.3']),
      () => veil(['report', '--out', 'x']),
      () => veil(['anonymize', 'in.mp4', '-o', 'out.mp4', '--model', 'm', '--threads', '100000']),
      () => veil(['frobnicate']),
      () => veil(['data', 'frob']),
      () => veil(['runs', 'frob']),
      () => veil(['pretrain']),
      () => veil(['eval', '--baseline', 'nope']),
    ]);
    const expect = [
      /veil train: unknown flag --no-such-flag/,
      /veil train: unknown flag --B: it is now -B\/--budget/,
      /veil report: unknown flag --out: it is now -o\/--output/,
      /veil anonymize: --threads must be at most \d+ \(this machine's cores\), got 100000/,
      /veil: unknown command 'frobnicate'/,
      /veil: unknown verb 'data frob'/,
      /veil runs: VERB must be one of list, show, compare; got 'frob'/,
      /veil pretrain: missing WHAT/,
      /veil eval: --baseline must be one of 'raw data', /,
    ];
    more.forEach((r, i) => {
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expect[i] as RegExp);
    });
  });
});

describe('machine-readable output', () => {
  test('veil models --json is JSON and nothing else', async () => {
    const r = await veil(['models', '--json', '--kind', 'action']);
    assert.equal(r.code, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { name: string; kind: string; params: number }[];
    assert.ok(rows.length >= 3);
    assert.ok(rows.every((x) => x.kind === 'action' && x.params > 0));
    assert.ok(rows.some((x) => x.name === 'r3d-18'));
  });

  let ws = '';
  const ids = { minimax: 0, eval: 0, experiment: 0 };
  before(() => {
    ws = join(tempDir('veil-cli-runs-'), 'ws');
    const reg = Registry.forWorkspace(ws);
    const exp = demoConfig(ws, { quick: true });
    ids.experiment = reg.startRun('experiment', 'sweep', exp);
    for (const seed of [0, 1]) {
      reg.logResult(ids.experiment, 'raw data', seed, { top1: 0.9 + seed * 0.02, cmap: 0.95, f1: 0.8 });
      reg.logResult(ids.experiment, `veil, B = ${exp.sweep[0]}`, seed, {
        top1: 0.8,
        cmap: 0.6 + seed * 0.1,
        f1: 0.5,
      });
    }
    reg.finishRun(ids.experiment, 'done');
    ids.minimax = reg.startRun('minimax', 'veil-B0.1', { ...exp.method, B: 0.1 });
    reg.logEpoch(ids.minimax, 0, { LA: 1, valTop1: 0.5, valPrivacyMatch: 0.7 });
    reg.logEpoch(ids.minimax, 1, { LA: 0.5, valTop1: 0.6, valPrivacyMatch: 0.65 });
    reg.finishRun(ids.minimax, 'done');
    ids.eval = reg.startRun('eval', 'f_A from fA.safetensors', {
      method: exp.method,
      seeds: 1,
      anonymizer: { name: 'f_A from fA.safetensors', weights: '/x/fA.safetensors', B: 0.1, lambda: 1 },
    });
    reg.logResult(ids.eval, 'f_A from fA.safetensors', 0, { top1: 0.7, cmap: 0.5, f1: 0.4 });
    reg.finishRun(ids.eval, 'done');
    reg.close();
  });

  test('veil runs --json lists the runs (the workspace from VEIL_WORKSPACE)', async () => {
    const digest = (): string =>
      createHash('sha256')
        .update(readFileSync(join(ws, 'runs.sqlite')))
        .digest('hex');
    const before = digest();
    const r = await veil(['runs', '--json'], { VEIL_WORKSPACE: ws });
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(r.stdout) as { id: number; kind: string; status: string }[];
    assert.deepEqual(
      runs.map((x) => [x.id, x.kind, x.status]),
      [
        [ids.experiment, 'experiment', 'done'],
        [ids.minimax, 'minimax', 'done'],
        [ids.eval, 'eval', 'done'],
      ],
    );
    assert.equal(digest(), before, 'read-only: the registry is not written');
    const text = await veil(['runs', 'list', '--workspace', ws]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout.trim().split('\n').length, 3);
  });

  test('veil runs show prints the config and the epochs', async () => {
    const [j, t] = await pool([
      () => veil(['runs', 'show', String(ids.minimax), '--json', '--workspace', ws]),
      () => veil(['runs', 'show', String(ids.minimax), '--workspace', ws]),
    ]);
    assert.equal(j?.code, 0, j?.stderr);
    const run = JSON.parse(j?.stdout ?? '') as {
      config: { B: number };
      epochs: { epoch: number; metrics: Record<string, number> }[];
    };
    assert.equal(run.config.B, 0.1);
    assert.deepEqual(run.epochs[1], { epoch: 1, metrics: { LA: 0.5, valTop1: 0.6, valPrivacyMatch: 0.65 } });
    assert.match(t?.stdout ?? '', /config:\n\{\n {2}"fA"/);
    assert.match(t?.stdout ?? '', /epoch 1: LA=0\.5000 valPrivacyMatch=0\.6500 valTop1=0\.6000/);
  });

  test('veil runs compare shows the same columns for experiment, minimax and eval runs', async () => {
    const args = [
      'runs',
      'compare',
      String(ids.experiment),
      String(ids.minimax),
      String(ids.eval),
      '--workspace',
      ws,
    ];
    const [j, t] = await pool([() => veil([...args, '--json']), () => veil(args)]);
    assert.equal(j?.code, 0, j?.stderr);
    type Row = {
      run: number;
      method: string;
      B: number | null;
      lambda: number | null;
      seeds: number | null;
      top1: { mean: number; std: number; n: number } | null;
      f1: unknown;
    };
    const rows = JSON.parse(j?.stdout ?? '') as Row[];
    const by = (m: string): Row => rows.find((x) => x.method === m) as Row;
    const veilRow = by('veil, B = 0.05');
    assert.equal(veilRow.B, 0.05);
    assert.equal(veilRow.lambda, 1);
    assert.equal(veilRow.seeds, 2);
    assert.equal(by('raw data').B, null);
    assert.ok(Math.abs((by('raw data').top1?.mean ?? 0) - 0.91) < 1e-9);
    assert.deepEqual([by('veil-B0.1').B, by('veil-B0.1').top1?.mean, by('veil-B0.1').f1], [0.1, 0.6, null]);
    assert.deepEqual([by('f_A from fA.safetensors').B, by('f_A from fA.safetensors').seeds], [0.1, 1]);
    const lines = (t?.stdout ?? '').split('\n');
    assert.match(
      lines[0] as string,
      /^run\s+kind\s+method\s+B\s+lambda\s+seeds\s+top-1 \(%\)\s+cMAP \(%\)\s+F1$/,
    );
    assert.ok(
      lines.some((l) => /raw data\s+-\s+-\s+2\s+91\.00±1\.41\s+95\.00±0\.00\s+0\.800±0\.000/.test(l)),
      t?.stdout,
    );
    assert.ok(
      lines.some((l) => /minimax\s+veil-B0\.1\s+0\.1\s+1\s+-\s+60\.00\s+65\.00\s+-$/.test(l)),
      t?.stdout,
    );
  });

  test('an unknown run or a workspace without runs is a usage error', async () => {
    const [a, b] = await pool([
      () => veil(['runs', 'show', '99', '--workspace', ws]),
      () => veil(['runs', '--workspace', join(ws, 'nowhere')]),
    ]);
    assert.equal(a?.code, 2);
    assert.match(a?.stderr ?? '', /no run 99/);
    assert.equal(b?.code, 2);
    assert.match(b?.stderr ?? '', /nowhere\/runs\.sqlite does not exist/);
  });
});

describe('existing work is never overwritten by accident', () => {
  test('veil train refuses an existing run folder without --resume or --overwrite', async () => {
    const ws = tempDir('veil-cli-train-');
    const dir = join(ws, 'runs', 'veil-B0.1');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'state.json'), '{}');
    const [r, both] = await pool([
      () => veil(['train', '--workspace', ws, '--data', join(ws, 'no-data'), '-B', '0.1']),
      () =>
        veil([
          'train',
          '--workspace',
          ws,
          '--data',
          join(ws, 'no-data'),
          '-B',
          '0.1',
          '--resume',
          '--overwrite',
        ]),
    ]);
    assert.equal(r?.code, 2, r?.stderr);
    assert.ok(r?.stderr.includes(`${dir} already exists`), r?.stderr);
    assert.match(r?.stderr ?? '', /--resume continues it, --overwrite deletes it/);
    assert.equal(both?.code, 2);
    assert.match(both?.stderr ?? '', /--resume or --overwrite, not both/);
    assert.ok(existsSync(join(dir, 'state.json')), 'the run is untouched');
  });

  test('veil pretrain refuses an existing network without --resume or --overwrite', async () => {
    const ws = tempDir('veil-cli-pretrain-');
    mkdirSync(join(ws, 'pretrained'));
    const file = join(ws, 'pretrained', 'fB.safetensors');
    writeFileSync(file, 'x');
    const r = await veil(['pretrain', 'privacy', '--workspace', ws, '--data', join(ws, 'no-data')]);
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(`${file} already exists`), r.stderr);
    assert.match(r.stderr, /--resume trains it further, --overwrite replaces it/);
    assert.equal(readFileSync(file, 'utf8'), 'x');
  });

  test('a failure that is not a usage error exits 1', async () => {
    const ws = tempDir('veil-cli-fail-');
    const r = await veil(['train', '--workspace', ws, '--data', join(ws, 'no-data'), '--quiet']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /^veil train: .*no-data/);
    assert.doesNotMatch(r.stderr, /veil help/);
  });

  test('--quiet: data synth writes nothing on stderr', async () => {
    const out = join(tempDir('veil-cli-synth-'), 'd');
    const r = await veil([
      'data',
      'synth',
      '-o',
      out,
      '--clips',
      '2',
      '--images',
      '2',
      '--size',
      '16',
      '--frames',
      '2',
      '--quiet',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^wrote 2 clips/);
    assert.ok(existsSync(join(out, 'synthpar.json')));
  });
});
