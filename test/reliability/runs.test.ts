// What the run registry and training guarantee: listing never writes, a broken registry is named,
// a killed run reads as interrupted (not running forever) and its temporary files are swept when
// training starts again in its folder.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { trainMinimax } from '../../src/method/minimax.js';
import { createNetworks } from '../../src/method/pretrain.js';
import { Registry } from '../../src/runs/registry.js';
import { maxThreads, setNumThreads } from '../../src/torch/index.js';
import { tempDir } from '../helpers.js';
import { tinyConfig, tinyData } from '../method/fixtures.js';
import { sha256 } from './helpers.js';

/** A process of this machine that has exited: its pid is free (and not ours). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

test('reading the registry writes nothing to it', () => {
  const ws = tempDir();
  const w = Registry.forWorkspace(ws);
  const id = w.startRun('eval', 'raw data', { seeds: 1 });
  w.logResult(id, 'raw data', 0, { top1: 0.5 });
  w.finishRun(id, 'done');
  w.close();
  const file = join(ws, 'runs.sqlite');
  const before = sha256(file);
  const r = Registry.forWorkspace(ws, { readOnly: true });
  assert.equal(r.runs()[0]?.status, 'done');
  assert.equal(r.results(id).length, 1);
  assert.throws(() => r.startRun('eval', 'x', {}), /runs\.sqlite: attempt to write a readonly database/);
  r.close();
  assert.equal(sha256(file), before);
});

test('a registry that is not one, or is missing, is named', () => {
  const ws = tempDir();
  const file = join(ws, 'runs.sqlite');
  assert.throws(() => Registry.forWorkspace(ws, { readOnly: true }), /runs\.sqlite: no run registry here/);
  writeFileSync(file, 'this is not SQLite, just text long enough to have a header page'.repeat(20));
  for (const readOnly of [true, false])
    assert.throws(
      () => Registry.forWorkspace(ws, { readOnly }),
      (e: Error) => e.message.startsWith(`${file}: `) && /not a database/.test(e.message),
    );
});

test("a run whose process is gone reads as 'interrupted'", () => {
  const ws = tempDir();
  const r = Registry.forWorkspace(ws);
  const mine = r.startRun('minimax', 'alive', {});
  r.close();
  // Another process starts a run and is killed before it can finish it.
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const { Registry } = await import(${JSON.stringify(new URL('../../src/runs/registry.js', import.meta.url).href)});
       const r = Registry.forWorkspace(${JSON.stringify(ws)}); r.startRun('minimax', 'killed', {});
       process.kill(process.pid, 'SIGKILL');`,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(child.signal, 'SIGKILL', child.stderr);
  const again = Registry.forWorkspace(ws, { readOnly: true });
  const status = Object.fromEntries(again.runs().map((x) => [x.name, x.status]));
  again.close();
  assert.deepEqual(status, { alive: 'running', killed: 'interrupted' });
  assert.ok(mine > 0);
});

test("training sweeps a killed run's temporary checkpoint, and leaves a live writer's", async () => {
  const dir = tempDir();
  const dead = join(dir, `.last.safetensors.${deadPid()}.tmp`);
  const live = join(dir, `.last.safetensors.${process.ppid}.tmp`);
  writeFileSync(dead, 'half a checkpoint');
  writeFileSync(live, 'being written');
  const c = tinyConfig({ epochs: 1 });
  await trainMinimax(createNetworks(c, 10), tinyData(), c, { dir, resume: false });
  assert.equal(existsSync(dead), false);
  assert.equal(existsSync(live), true);
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [`.last.safetensors.${process.ppid}.tmp`],
  );
});

test('thread counts are bounded by the cores', () => {
  assert.throws(() => setNumThreads(maxThreads() + 1), /this machine gives the process \d+ cores/);
  setNumThreads(maxThreads());
});

test('resuming a run under another config is refused, naming its checkpoint', async () => {
  const dir = tempDir();
  const c = tinyConfig({ epochs: 1 });
  await trainMinimax(createNetworks(c, 10), tinyData(), c, { dir, resume: false });
  const other = { ...c, epochs: 2, B: c.B + 0.1 };
  await assert.rejects(
    () => trainMinimax(createNetworks(other, 10), tinyData(), other, { dir, resume: true }),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 2 && /last\.safetensors was saved by a run with another config/.test(e.message),
  );
  // The same settings may train longer: one more epoch on top of the first.
  const more = { ...c, epochs: 2 };
  assert.equal(
    (await trainMinimax(createNetworks(more, 10), tinyData(), more, { dir, resume: true })).history.length,
    2,
  );
});
