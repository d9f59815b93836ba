// The dashboard on a real workspace: `veil demo --quick` once, then Debian's chromium (headless,
// driven by playwright-core) reads its pages. The runs table lists every run of the registry with
// the numbers `veil runs compare` prints; a run page draws its curves and frame grid; the compare
// page draws the privacy-utility plot and Table 1 with the report's numbers. Screenshots of each
// page go to $VEIL_SCREENSHOTS (else a temporary folder, printed).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import type { Browser, Page } from 'playwright-core';

import { compareRows, type CompareRow } from '../../src/runs/compare.js';
import { Registry, type RunRow } from '../../src/runs/registry.js';
import type { VeilServer } from '../../src/serve/server.js';
import { ROOT, tempDir } from '../helpers.js';
import { launch, screenshotDir, serve } from './helpers.js';

const ws = join(tempDir('veil-serve-demo-'), 'ws');
const shots = screenshotDir();
let server: VeilServer;
let browser: Browser;
let runs: RunRow[];
let rows: CompareRow[];
/** Epochs each run logged. */
const epochs = new Map<number, number>();

before(
  async () => {
    execFileSync('node', [join(ROOT, 'bin', 'veil.js'), 'demo', '--quick', '--quiet', '--workspace', ws], {
      stdio: 'ignore',
      timeout: 900_000,
    });
    const reg = Registry.forWorkspace(ws, { readOnly: true });
    runs = reg.runs();
    rows = runs.flatMap((r) => compareRows(reg, r));
    for (const r of runs) epochs.set(r.id, new Set(reg.epochs(r.id).map((e) => e.epoch)).size);
    reg.close();
    server = await serve(ws);
    browser = await launch();
    console.log(`screenshots: ${shots}`);
  },
  { timeout: 900_000 },
);
after(async () => {
  await browser?.close();
  await server?.close();
});

async function open(path: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${server.url}${path.replace(/^\//, '')}`);
  return { page, errors };
}

const cells = (page: Page, table: string): Promise<string[][]> =>
  page.$$eval(`${table} tbody tr`, (trs) =>
    trs.map((tr) => [...(tr as HTMLTableRowElement).cells].map((c) => (c.textContent ?? '').trim())),
  );

test('the runs table lists every run of the demo with its numbers', async () => {
  const { page, errors } = await open('/');
  await page.waitForSelector('#runs tbody tr');
  const table = await cells(page, '#runs');
  // One row per method of a run: the experiment's 9 methods, and each minimax run.
  assert.equal(table.length, rows.length);
  assert.ok(
    runs.some((r) => r.kind === 'experiment') && runs.filter((r) => r.kind === 'minimax').length >= 3,
  );
  table.forEach((c, i) => {
    const x = rows[i] as CompareRow;
    const run = runs.find((r) => r.id === x.run) as RunRow;
    // run, kind, method, B, lambda, seeds, status, top-1, cMAP, F1 (after the checkbox)
    assert.deepEqual(c.slice(1, 8), [
      String(x.run),
      x.kind,
      x.method,
      x.B === null ? '-' : String(x.B),
      x.lambda === null ? '-' : String(x.lambda),
      x.seeds === null ? '-' : String(x.seeds),
      run.status,
    ]);
    assert.ok(
      (c[8] as string).startsWith(x.top1 ? (x.top1.mean * 100).toFixed(2) : '-'),
      `${x.method}: ${c[8]}`,
    );
    assert.ok(
      (c[9] as string).startsWith(x.cmap ? (x.cmap.mean * 100).toFixed(2) : '-'),
      `${x.method}: ${c[9]}`,
    );
  });
  assert.ok(table.some((c) => c[3] === 'raw data') && table.some((c) => c[3] === 'veil, B = 0.05'));
  await page.screenshot({ path: join(shots, 'runs.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test("a minimax run's page draws its curves, frame grid and config", async () => {
  const run = runs.find((r) => r.kind === 'minimax' && r.name.startsWith('veil, B = 0.05')) as RunRow;
  const { page, errors } = await open(`/run?id=${run.id}`);
  await page.waitForSelector('[data-chart=validation] svg');
  for (const chart of ['losses', 'rms', 'validation']) {
    const drawn = await page
      .locator(`[data-chart=${chart}] svg polyline, [data-chart=${chart}] svg circle`)
      .count();
    assert.ok(drawn > 0, `${chart}: nothing drawn`);
    assert.doesNotMatch((await page.textContent(`[data-chart=${chart}] svg`)) ?? '', /none logged|no epoch/);
  }
  // One marker per epoch on each of the two RMS series, and one each in the legend.
  assert.equal(
    await page.locator('[data-chart=rms] svg circle').count(),
    2 * ((epochs.get(run.id) ?? 0) + 1),
  );
  // The step losses: one line per loss, as many points as metrics.csv has steps.
  const points = await page.$$eval('[data-chart=losses] svg polyline', (ls) =>
    ls.map((l) => (l.getAttribute('points') ?? '').trim().split(/\s+/).length),
  );
  assert.equal(points.length, 3);
  await page.waitForFunction(
    () => ((document.querySelector('#grid img') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0,
  );
  assert.match((await page.textContent('#config')) ?? '', /"B": 0\.05/);
  await page.screenshot({ path: join(shots, 'run.png'), fullPage: true });
  assert.deepEqual(errors, []);
});

test('the compare page draws the privacy-utility plot and Table 1 with drops from raw', async () => {
  const exp = runs.find((r) => r.kind === 'experiment') as RunRow;
  const chosen = [
    'raw data',
    'downsample 4x',
    'obfuscation: blackening',
    'SPAct (lambda 0)',
    'veil, B = 0.05',
    'veil, B = 0.3',
  ];
  const q = chosen.map((m) => `r=${encodeURIComponent(`${exp.id}:${m}`)}`).join('&');
  const { page, errors } = await open(`/compare?${q}`);
  await page.waitForSelector('#plot svg');
  const svg = (await page.textContent('#plot svg')) ?? '';
  assert.match(svg, /action chance/);
  assert.match(svg, /cMAP chance \(priors\)/);
  assert.match(svg, /95% intervals/);
  // A marker per point (and per legend entry): 3 baselines, SPAct, two veil B.
  assert.ok(
    (await page.locator('#plot svg rect[width="10"], #plot svg circle, #plot svg polygon').count()) >= 6 + 4,
  );
  const report = JSON.parse(readFileSync(join(ws, 'report', 'table.json'), 'utf8')) as {
    rows: {
      method: string;
      top1: { mean: number };
      cmap: { mean: number };
      top1Drop: number;
      cmapDrop: number;
    }[];
    chance: { top1: number };
  };
  const table = await cells(page, '#table1');
  assert.deepEqual(
    table.map((c) => c[0]),
    chosen,
  );
  for (const c of table) {
    const r = report.rows.find((x) => x.method === c[0]);
    assert.ok(r, c[0]);
    assert.ok((c[2] as string).startsWith((r.top1.mean * 100).toFixed(2)), `${c[0]} top-1 ${c[2]}`);
    assert.match(c[2] as string, /\[[\d.]+, [\d.]+\]$/, 'the 95% interval');
    assert.equal(c[6], (r.top1Drop * 100).toFixed(2));
    assert.equal(c[7], (r.cmapDrop * 100).toFixed(2));
  }
  assert.match(
    (await page.textContent('#compare-out')) ?? '',
    new RegExp(`top-1 ${(report.chance.top1 * 100).toFixed(1)}%`),
  );
  await page.screenshot({ path: join(shots, 'compare.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
