import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { trends, writeReport } from '../../src/eval/report/index.js';
import { tableMarkdown, tableRows } from '../../src/eval/report/table.js';
import { tempDir } from '../helpers.js';

const method = (name: string, kind: string, B: number | null, top1: number[], cmap: number[]) => ({
  method: name,
  kind,
  B,
  top1,
  cmap,
  f1: cmap.map((v) => v / 2),
  f1LogitAbove05: cmap.map((v) => v / 3),
});

const METHODS = [
  method('raw data', 'baseline', null, [0.9, 0.92], [0.95, 0.93]),
  method('downsample 4x', 'baseline', null, [0.5, 0.52], [0.7, 0.72]),
  method('SPAct (lambda 0)', 'spact', null, [0.6, 0.62], [0.8, 0.8]),
  method('veil, B = 0.1', 'veil', 0.1, [0.88, 0.9], [0.85, 0.86]),
  method('veil, B = 0.3', 'veil', 0.3, [0.7, 0.72], [0.84, 0.85]),
];

test('Table 1 rows: mean, std over seeds and the drop from raw', () => {
  const rows = tableRows(METHODS);
  const v = rows.find((r) => r.method === 'veil, B = 0.1');
  assert.ok(v);
  assert.ok(Math.abs(v.top1.mean - 0.89) < 1e-12);
  assert.ok(Math.abs(v.top1Drop - 0.02) < 1e-12);
  assert.ok(Math.abs(v.cmapDrop - (0.94 - 0.855)) < 1e-12);
  assert.ok(Math.abs(v.top1.std - Math.sqrt(0.0002)) < 1e-12);
  const md = tableMarkdown(rows);
  assert.match(md, /\| veil, B = 0.1 \| 89.00 ± 1.41 \| 85.50 ± 0.71 \|/);
  const t = trends(rows);
  assert.match(t[0] ?? '', /falls \(89.0% to 71.0%\), as in the paper/);
  assert.match(t[1] ?? '', /spans 1.00 points.*narrow band/);
});

test('veil report writes Markdown, JSON, SVG and PNG plots and an HTML page from results.json', async () => {
  const dir = tempDir();
  const history = [0, 1].map((epoch) => ({
    epoch,
    LA: 1 - epoch,
    LT2: 2 - epoch,
    LB2: 3 - epoch,
    Lpenalty: 0,
  }));
  const results = {
    methods: METHODS.map((m) => (m.kind === 'baseline' ? m : { ...m, history })),
    chance: { top1: 0.1, cmap: 0.4 },
    attributes: ['a4_gender'],
    classes: ['A', 'B'],
    selectionRule: 'a rule',
    seconds: 12,
    timings: { data: 1 },
    config: { seeds: 2, sweep: [0.1, 0.3] },
  };
  writeFileSync(join(dir, 'results.json'), JSON.stringify(results));
  const r = await writeReport(join(dir, 'results.json'), join(dir, 'report'));
  for (const f of [
    'report.md',
    'table.json',
    'index.html',
    'privacy-utility.svg',
    'privacy-utility.png',
    'loss-fA.png',
  ])
    assert.ok(existsSync(join(dir, 'report', f)), f);
  const svg = readFileSync(join(dir, 'report', 'privacy-utility.svg'), 'utf8');
  assert.match(svg, /polyline/);
  assert.match(svg, /action chance/);
  assert.equal(r.rows.length, 5);
  await assert.rejects(writeReport(join(dir, 'missing.json'), dir), /cannot read experiment results/);
});
