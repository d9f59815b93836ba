// `veil report`: from an experiment's results.json, the Table 1 layout (Markdown and JSON), the
// privacy-utility plot and the training-loss curves (SVG and PNG), the frame grid written during
// evaluation, and one HTML page holding them all.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import sharp from 'sharp';

import { testClips } from '../../data/clips.js';
import { VISPR_ID } from '../../data/synthpar/catalog.js';
import type { Goal } from '../stats.js';
import { checkLine, checks, studyRows } from './checks.js';
import { lossCurvesSvgs, type PlotMethod, privacyUtilitySvg } from './plots.js';
import { whatThisShows } from './shows.js';
import { attributeMarkdown, type TableInput, type TableRow, tableMarkdown, tableRows } from './table.js';

export interface ReportInput {
  methods: (TableInput & PlotMethod & { perAttributeAP?: number[][] })[];
  /** The test images' attribute labels (for the cMAP intervals); absent in older results. */
  testLabels?: number[][];
  chance: { top1: number; cmap: number };
  attributes: string[];
  classes: string[];
  selectionRule: string;
  seconds: number;
  timings: Record<string, number>;
  config: {
    seeds: number;
    sweep: number[];
    /** The goal of `veil demo --study beyond`, drawn and checked when set. */
    goal?: Goal | null;
    minimaxSeeds?: number;
    data?: { frames: number };
    protocol?: { clip: { frames: number; stride: number }; testClips: number };
  };
  /** The paper's novel protocol: the same f_A judged on the other variant's actions and attributes. */
  novel?: {
    classes: string[];
    attributes: string[];
    chance: { top1: number; cmap: number };
    methods: TableInput[];
    testLabels?: number[][];
  } | null;
  /** The judges' pre-trained starting points, when the experiment had them. */
  /** The judges' backbones and the method's (f_T's and f_B's start), when the run had them. */
  backbones?: BackboneSummary | null;
  methodBackbones?: BackboneSummary | null;
}

export interface ReportFiles {
  dir: string;
  markdown: string;
  json: string;
  html: string;
  plots: string[];
  rows: TableRow[];
}

export function readResults(file: string): ReportInput {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ReportInput;
  } catch (e) {
    throw new Error(
      `${file}: cannot read experiment results (${(e as Error).message}); run 'veil demo' or 'veil eval' first`,
    );
  }
}

async function svgAndPng(dir: string, name: string, svg: string): Promise<string[]> {
  const s = join(dir, `${name}.svg`);
  const p = join(dir, `${name}.png`);
  writeFileSync(s, svg);
  await sharp(Buffer.from(svg), { density: 96 }).png().toFile(p);
  return [s, p];
}

/** Checks the paper's two trends on the B sweep and states them in words, whatever they show. */
export function trends(rows: readonly TableRow[]): string[] {
  const sweep = rows
    .filter((r) => r.kind === 'veil' && r.B !== null)
    .sort((a, b) => (a.B as number) - (b.B as number));
  if (sweep.length < 2) return ['The sweep has fewer than two values of B: no trend to check.'];
  const first = sweep[0] as TableRow;
  const last = sweep[sweep.length - 1] as TableRow;
  const top = (r: TableRow): string => `${(r.top1.mean * 100).toFixed(1)}%`;
  // "Falls": never rises by more than a point from one B to the next, and ends lower by more than a
  // point and more than the two ends' spreads over seeds together (a drop inside the noise is no trend).
  const falls =
    sweep.every((r, i) => i === 0 || r.top1.mean <= (sweep[i - 1] as TableRow).top1.mean + 0.01) &&
    first.top1.mean - last.top1.mean > Math.max(0.01, first.top1.std + last.top1.std);
  const cm = sweep.map((r) => r.cmap.mean * 100);
  const band = Math.max(...cm) - Math.min(...cm);
  return [
    `Action accuracy as B grows (paper: falls): ${sweep.map((r) => `B=${r.B}: ${top(r)}`).join(', ')} -> ` +
      (falls
        ? `falls (${top(first)} to ${top(last)}), as in the paper.`
        : `does not fall beyond the spread over seeds on SynthPAR here (${top(first)} at B=${first.B}, ${top(last)} at B=${last.B}).`),
    `Privacy leakage across B (paper: nearly flat): cMAP spans ${band.toFixed(2)} points ` +
      `(${cm.map((v) => v.toFixed(1)).join(', ')}): ` +
      (band <= 3 ? 'a narrow band, as in the paper.' : 'not a narrow band on SynthPAR.'),
  ];
}

interface BackboneSummary {
  heldOut: { top1: number; cmap?: number | null; match?: number | null };
  seconds: number;
}

/** How many of a video's test clips are distinct: short videos give fewer than the clips asked for. */
function testClipLine(c: ReportInput['config']): string {
  if (!c.data || !c.protocol) return '';
  const { frames, stride } = c.protocol.clip;
  const k = c.protocol.testClips;
  const clips = testClips(c.data.frames, frames, stride, k);
  const distinct = new Set(clips.map((clip) => clip.join())).size;
  const span = (clips[0]?.at(-1) ?? 0) - (clips[0]?.[0] ?? 0) + 1;
  return (
    `Action is judged per video by the mean softmax over ${k} test clips at evenly spaced starts (the paper's 5): ` +
    `with videos of ${c.data.frames} frames and clips spanning ${span}, ${distinct === k ? 'all are' : `only ${distinct} are`} distinct.`
  );
}

/** What a row's ± is over: the judges' seeds for baselines, the minimax seeds for learned rows. */
function spreadOver(c: ReportInput['config']): string {
  const judges = `${c.seeds} evaluation seed(s)`;
  if (!c.minimaxSeeds || c.minimaxSeeds <= 1) return judges;
  return `${judges} for the baselines, and over ${c.minimaxSeeds} minimax seeds for SPAct and veil (each f_A trained with its own batch order and augmentation and judged by its own fresh judges)`;
}

/** One sentence on where the judges and the method started, from the results. */
function backboneLine(
  judges: BackboneSummary | null | undefined,
  method: BackboneSummary | null | undefined,
): string {
  const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;
  const lines: string[] = [];
  if (judges)
    lines.push(
      `Every judge starts from backbones pre-trained on raw data of a separate SynthPAR draw (veil's stand-in for ` +
        `Kinetics-400 and ImageNet weights; the attacker's learned the private attributes there: the worst case); on ` +
        `held-out clips and images of that draw they reach top-1 ${pct(judges.heldOut.top1)} and cMAP ${pct(judges.heldOut.cmap ?? NaN)}.`,
    );
  else lines.push('Every judge is trained from scratch.');
  if (method)
    lines.push(
      `f_T and f_B start from backbones of another draw, f_B's trained with NT-Xent alone (no privacy label reaches the method); ` +
        `held out, top-1 ${pct(method.heldOut.top1)} and instance match ${pct(method.heldOut.match ?? NaN)}.`,
    );
  return lines.join(' ');
}

/** Names the runs whose hinge never acted (their RMS distortion stayed under B): those runs are SPAct. */
export function idleBudgets(methods: readonly PlotMethod[]): string[] {
  const idle = methods.filter(
    (m) => m.kind === 'veil' && m.history && m.history.length > 0 && m.history.every((h) => h.Lpenalty === 0),
  );
  if (idle.length === 0) return [];
  return [
    `L_penalty stayed 0 in every epoch of ${idle.map((m) => m.method).join('; ')}: f_A's distortion never reached B, ` +
      'so these runs trained as SPAct (lambda 0) step for step.',
  ];
}

/** The novel protocol's table (its drops are from raw data on the novel variant), when it was run. */
function novelSection(n: ReportInput['novel']): string[] {
  if (!n) return [];
  return [
    '## Novel protocol',
    '',
    `f_A trained on the known actions and attributes, judged by fresh models on ${n.classes.length} other actions ` +
      `(chance top-1 ${(n.chance.top1 * 100).toFixed(1)}%) and other private attributes: ${n.attributes.map(withMeaning).join(', ')} ` +
      `(chance cMAP ${(n.chance.cmap * 100).toFixed(1)}%).`,
    '',
    tableMarkdown(tableRows(n.methods, n.testLabels)),
  ];
}

/** A VISPR id with what SynthPAR draws under it ('a17_color' -> 'a17_color: dark_skin'). */
function withMeaning(id: string): string {
  const drawn = Object.entries(VISPR_ID).find(([, v]) => v === id)?.[0];
  return drawn ? `${id}: ${drawn}` : id;
}

export async function writeReport(resultsFile: string, dir: string): Promise<ReportFiles> {
  const r = readResults(resultsFile);
  mkdirSync(dir, { recursive: true });
  const rows = tableRows(r.methods, r.testLabels);
  const md = tableMarkdown(rows);
  const plots: string[] = [];
  const goal = r.config.goal ?? undefined;
  plots.push(
    ...(await svgAndPng(dir, 'privacy-utility', privacyUtilitySvg(r.methods, r.chance, rows, goal))),
  );
  for (const c of lossCurvesSvgs(r.methods)) plots.push(...(await svgAndPng(dir, c.name, c.svg)));
  const grid = join(dir, 'frames.png');
  const lines = [...trends(rows), ...idleBudgets(r.methods)];
  const targets = checks(rows, goal ? { goal, priors: r.chance.cmap } : undefined);
  const study = studyRows(rows);
  const shows = study ? whatThisShows(study, r.methods) : [];
  const json = join(dir, 'table.json');
  writeFileSync(
    json,
    JSON.stringify(
      { rows, chance: r.chance, trends: lines, checks: targets, shows, selectionRule: r.selectionRule },
      null,
      2,
    ) + '\n',
  );
  const bb = r.backbones;
  const markdown = join(dir, 'report.md');
  const text = [
    '# veil: privacy-utility report',
    '',
    `Action classes: ${r.classes.length} (chance top-1 ${(r.chance.top1 * 100).toFixed(1)}%); private attributes: ${r.attributes.join(', ')} ` +
      `(chance cMAP, the attribute priors: ${(r.chance.cmap * 100).toFixed(1)}%). Privacy is what a fresh attacker, trained on the anonymized ` +
      `training images, reads from the anonymized test images (its best epoch: the worst case). Mean ± std over ${spreadOver(r.config)}` +
      (r.testLabels ? '; in brackets, the 95% bootstrap interval over the test videos and images.' : '.'),
    '',
    backboneLine(bb, r.methodBackbones),
    '',
    testClipLine(r.config),
    '',
    md,
    '## Targets',
    '',
    ...targets.map((c) => `- ${checkLine(c)}`),
    '',
    ...(shows.length ? ['## What this shows', '', ...shows.map((l) => `- ${l}`), ''] : []),
    '## Privacy per attribute',
    '',
    `AP (%) of the fresh attacker per attribute, at its best epoch, mean over seeds (an attribute's prior is its chance AP).`,
    '',
    attributeMarkdown(r.methods, r.attributes.map(withMeaning)),
    '## Trends over B',
    '',
    ...lines.map((l) => `- ${l}`),
    '',
    ...novelSection(r.novel),
    `Checkpoint selection (validation split only): ${r.selectionRule}.`,
    '',
    `Time: ${r.seconds.toFixed(0)} s (${Object.entries(r.timings)
      .map(([k, v]) => `${k} ${v.toFixed(0)} s`)
      .join(', ')}).`,
    '',
    '![privacy-utility](privacy-utility.png)',
    '',
    '![f_A loss](loss-fA.png) ![f_T loss](loss-fT.png) ![f_B loss](loss-fB.png) ![validation RMS against B](val-rms.png)',
    '',
    existsSync(grid) ? '![frames](frames.png)' : '',
    '',
  ].join('\n');
  writeFileSync(markdown, text);
  const html = join(dir, 'index.html');
  writeFileSync(html, htmlPage(text, rows, existsSync(grid)));
  return { dir, markdown, json, html, plots, rows };
}

function htmlPage(markdown: string, rows: readonly TableRow[], grid: boolean): string {
  const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const intro = markdown.split('\n')[2] ?? '';
  const pct = (s: { mean: number; std: number; n: number }, k: number, d: number): string =>
    s.n > 1 ? `${(s.mean * k).toFixed(d)} ± ${(s.std * k).toFixed(d)}` : (s.mean * k).toFixed(d);
  const body = rows
    .map(
      (r) =>
        `<tr><td>${esc(r.method)}</td><td>${pct(r.top1, 100, 2)}</td><td>${pct(r.cmap, 100, 2)}</td><td>${pct(r.f1, 1, 3)}</td><td>${pct(r.f1LogitAbove05, 1, 3)}</td><td>${(r.top1Drop * 100).toFixed(2)}</td><td>${(r.cmapDrop * 100).toFixed(2)}</td></tr>`,
    )
    .join('\n');
  const trendLines = markdown
    .split('\n')
    .filter((l) => /^(- |Checkpoint|Time|Every judge)/.test(l))
    .map((l) => `<p>${esc(l.replace(/^- /, ''))}</p>`)
    .join('\n');
  return `<!doctype html><html><head><meta charset="utf-8"><title>veil report</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child{text-align:left}img{max-width:100%}</style></head><body>
<h1>veil: privacy-utility report</h1><p>${esc(intro)}</p>
<table><tr><th>method</th><th>action top-1 (%) ↑</th><th>cMAP (%) ↓</th><th>F1 ↓</th><th>F1, logits &gt; 0.5</th><th>top-1 drop</th><th>cMAP drop</th></tr>
${body}</table>
${trendLines}
<h2>Privacy-utility</h2><img src="privacy-utility.svg">
<h2>Training losses (minimax)</h2><img src="loss-fA.svg"><img src="loss-fT.svg"><img src="loss-fB.svg"><img src="val-rms.svg">
${grid ? '<h2>Frames: raw and anonymized</h2><img src="frames.png">' : ''}
</body></html>
`;
}
