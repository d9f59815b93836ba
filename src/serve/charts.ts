// A run's curves, drawn from its metrics.csv by the report's own SVG chart (src/eval/report/svg.ts):
// the minimax losses per step, f_A's RMS distortion per epoch against the budget B, and the
// validation scores checkpoints are selected by. Rows appear as the run logs them, so a page that
// asks again while the run trains gets the longer curves.
import { type ChartSpec, chartSvg, type Series } from '../eval/report/svg.js';
import type { MetricRow } from '../runs/metrics_file.js';

export const CHARTS = ['losses', 'rms', 'validation'] as const;
export type ChartName = (typeof CHARTS)[number];

const COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b'];

function series(rows: readonly MetricRow[], scope: 'step' | 'epoch', names: [string, string][]): Series[] {
  return names
    .map(([name, label], i) => ({
      label,
      colour: COLOURS[i % COLOURS.length] as string,
      // Epochs count from 1 on the axis, as the report's loss curves do.
      points: rows
        .filter((r) => r.scope === scope && r.name === name && Number.isFinite(r.value))
        .map((r) => ({ x: scope === 'step' ? r.step : (r.epoch ?? 0) + 1, y: r.value })),
      line: true,
      // Epochs are few (one, early on): each is marked; steps are many, a line alone.
      marker: scope === 'step' ? ('none' as const) : ('circle' as const),
    }))
    .filter((s) => s.points.length > 0);
}

/** The chart as SVG; a chart with nothing logged yet says so in its title (and gets unit axes). */
export function runChart(name: ChartName, rows: readonly MetricRow[]): string {
  const svg = (spec: ChartSpec): string =>
    chartSvg(spec.series.length ? spec : { xRange: [0, 1], yRange: [0, 1], ...spec });
  const size = { width: 640, height: 320 };
  if (name === 'losses') {
    const s = series(rows, 'step', [
      ['LA', 'L_A (f_A, step 1)'],
      ['LT2', 'L_T (f_T, step 2)'],
      ['LB2', 'L_B (f_B, step 2)'],
    ]);
    return svg({
      ...size,
      title: s.length ? 'Minimax losses per step' : 'Minimax losses per step (none logged yet)',
      xLabel: 'step',
      yLabel: 'loss',
      series: s,
    });
  }
  if (name === 'rms') {
    const s = series(rows, 'epoch', [
      ['rms', 'RMS(X - f_A(X)), training'],
      ['valRms', 'RMS, validation'],
    ]);
    const B = rows.filter((r) => r.scope === 'epoch' && r.name === 'B').at(-1)?.value;
    return svg({
      ...size,
      title: s.length
        ? "f_A's distortion per epoch (dashed: the budget B)"
        : "f_A's distortion (no epoch yet)",
      xLabel: 'epoch',
      yLabel: 'RMS',
      series: s,
      hLines: B !== undefined && Number.isFinite(B) ? [{ y: B, label: `B = ${B}` }] : [],
    });
  }
  const s = series(rows, 'epoch', [
    ['valTop1', "f_T's top-1 (val. videos)"],
    ['valPrivacyMatch', "f_B's instance match"],
  ]);
  return svg({
    ...size,
    title: s.length ? 'Validation per epoch (checkpoint selection)' : 'Validation (no epoch yet)',
    xLabel: 'epoch',
    yLabel: 'score',
    series: s,
    yRange: [0, 1.02],
  });
}
