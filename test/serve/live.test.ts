// A run followed while it trains: the run page asks again every 2 s and redraws its curves and
// frame grid when metrics.csv grows; the runs table marks the run running. The run is written by
// veil's own writers (registry, RunLog) from this process, so it is alive and reads 'running'.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import type { Browser } from 'playwright-core';

import type { VeilServer } from '../../src/serve/server.js';
import { launch, screenshotDir, serve } from './helpers.js';
import { testWorkspace, type TestWorkspace } from './workspace.js';

let w: TestWorkspace;
let server: VeilServer;
let browser: Browser;

before(async () => {
  w = testWorkspace({ running: true });
  server = await serve(w.ws);
  browser = await launch();
});
after(async () => {
  await browser.close();
  await server.close();
  w.close();
});

test('the run page redraws its curves while the run trains', { timeout: 60_000 }, async () => {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}`);
  await page.waitForSelector('#runs tbody tr.running');
  assert.match((await page.textContent('#runs tbody tr')) ?? '', /running/);

  await page.goto(`${server.url}run?id=${w.runId}`);
  // Two epoch series on the RMS chart: one marker per epoch, and one in the legend.
  const circles = (): Promise<number> => page.locator('[data-chart=rms] svg circle').count();
  await page.waitForSelector('[data-chart=rms] svg');
  assert.equal(await circles(), 2 * (1 + 1));
  assert.equal(await page.locator('[data-chart=losses] svg polyline').count(), 3, 'L_A, L_T, L_B per step');
  const grid = await page.waitForSelector('#grid img');
  await page.waitForFunction(
    () => (document.querySelector('#grid img') as HTMLImageElement | null)?.naturalWidth === 16,
  );
  const firstSrc = await grid.getAttribute('src');

  w.epoch(1);
  w.epoch(2);
  await page.waitForFunction(
    () => document.querySelectorAll('[data-chart=rms] svg circle').length === 2 * (3 + 1),
    null,
    {
      timeout: 10_000,
    },
  );
  assert.notEqual(await page.getAttribute('#grid img', 'src'), firstSrc, 'the frame grid is fetched again');
  assert.match((await page.textContent('#status')) ?? '', /running/);
  await page.screenshot({ path: join(screenshotDir(), 'run-live.png'), fullPage: true });
  assert.deepEqual(errors, []);
});
