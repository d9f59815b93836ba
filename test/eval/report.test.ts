import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { trends, writeReport } from '../../src/eval/report/index.js';
import { type Check, checkLine, checks } from '../../src/eval/report/checks.js';
import { privacyUtilitySvg } from '../../src/eval/report/plots.js';
import { attributeMarkdown, tableMarkdown, tableRows } from '../../src/eval/report/table.js';
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

test('the targets: raw top-1 and cMAP, veil at its smallest B near raw in action and below it in privacy', () => {
  const lines = checks(tableRows(METHODS)).map(checkLine);
  assert.equal(lines.length, 4);
  assert.match(lines[0] as string, /^PASS raw data: action top-1 >= 90%: 91\.0% ± 1\.4/);
  assert.match(lines[1] as string, /^PASS raw data: privacy cMAP >= 90%: 94\.0% ± 1\.4/);
  // Smallest B is 0.1 whatever the order: 89% vs raw 91% is within 5 points.
  assert.match(lines[2] as string, /^PASS veil at its smallest B \(0\.1\): action top-1 within 5 points/);
  // 85.5% vs 94%: 8.5 points below raw, spreads 1.4 + 0.7.
  assert.match(lines[3] as string, /^PASS .*privacy cMAP below raw .*8\.5 points below, spreads 2\.1/);
  const close = METHODS.map((m) => (m.method === 'veil, B = 0.1' ? { ...m, cmap: [0.94, 0.92] } : m));
  assert.match(checkLine(checks(tableRows(close))[3] as Check), /^FAIL /);
  const weak = METHODS.map((m) => (m.method === 'raw data' ? { ...m, top1: [0.5, 0.5] } : m));
  assert.match(checkLine(checks(tableRows(weak))[0] as Check), /^FAIL raw data: action top-1 >= 90%: 50\.0%/);
});

test('per-attribute AP: mean over seeds, one column per attribute', () => {
  const md = attributeMarkdown(
    [
      {
        method: 'raw data',
        perAttributeAP: [
          [1, 0.5],
          [0.8, 0.3],
        ],
      },
      { method: 'no APs' },
    ],
    ['a17_color: dark_skin', 'a4_gender: long_hair'],
  );
  assert.equal(
    md,
    '| method | a17_color: dark_skin | a4_gender: long_hair |\n|---|---|---|\n| raw data | 90.0 | 40.0 |\n',
  );
});

test('with per-item results the table carries test-set intervals and the targets come from the statistics', () => {
  // 40 test videos and 60 images; each method's hits and attacker logits make its top-1 and cMAP.
  const labels = Array.from({ length: 60 }, (_, i) => [i % 2, Number(i % 3 === 0)]);
  const perItem = (top1: number, leak: number) => ({
    correct: [0, 1].map((s) => Array.from({ length: 40 }, (_, i) => Number((i * 7 + s) % 40 < top1 * 40))),
    // leak 1: the logits are the labels; 0: they carry nothing about them.
    scores: [0, 1].map((s) =>
      labels.map((l, i) => l.map((v, k) => leak * v + ((i * 13 + k * 7 + s) % 10) / 10)),
    ),
  });
  const m = (name: string, kind: string, B: number | null, top1: number, leak: number, cmap: number) => {
    const p = perItem(top1, leak);
    return { ...method(name, kind, B, [top1, top1], [cmap, cmap]), ...p };
  };
  const table = [
    m('raw data', 'baseline', null, 0.95, 3, 1),
    m('obfuscation: blackening', 'baseline', null, 0.9, 0.05, 0.5),
    m('veil, B = 0.1', 'veil', 0.1, 0.5, 1, 1),
  ];
  const rows = tableRows(table, labels);
  const raw = rows[0];
  assert.ok(raw?.top1.ci && raw.cmap.ci);
  assert.ok(raw.top1.ci.low <= 0.95 && raw.top1.ci.high >= 0.95);
  assert.match(tableMarkdown(rows), /\| raw data \| 95\.00 ± 0\.00 \[88\.8, 100\.0\] \|/);
  const lines = checks(rows).map(checkLine);
  assert.match(lines[0] as string, /^PASS calibration: raw data action top-1 >= 90\.0%/);
  // A useless anonymizer: blackening keeps more action and leaks less; Pareto and the claim fail.
  const pareto = lines.find((l) => l.includes('Pareto')) as string;
  assert.match(pareto, /^FAIL .*obfuscation: blackening dominates veil, B = 0\.1/);
  assert.ok(lines.some((l) => /^FAIL .*(paper's claim|within 5 points)/.test(l)));
  // The plot draws the intervals and the Pareto front (raw data, then blackening, by cMAP).
  const svg = privacyUtilitySvg(table, { top1: 0.1, cmap: 0.4 }, rows);
  assert.match(svg, /Pareto front \(means\)/);
  assert.match(svg, /stroke-dasharray="6 4" points="[\d.]+,[\d.]+ [\d.]+,[\d.]+"/);
  assert.match(svg, /bars: 95% intervals/);
});
