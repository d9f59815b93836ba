// The report's two charts: the privacy-utility plane (action top-1 against the attacker's cMAP,
// baselines as points, SPAct as a point, the B sweep as a curve, chance levels dashed; with the
// test-set intervals as error bars and the Pareto front dashed when the table has them), and the
// minimax training losses of f_A, f_T and f_B per epoch (the paper's Figure 5).
import { meanStd } from '../metrics.js';
import { type Goal, goalLines, paretoFront } from '../stats.js';
import { studyRows } from './checks.js';
import { chartSvg, type Series } from './svg.js';
import type { TableRow } from './table.js';

export interface PlotMethod {
  method: string;
  kind: string;
  B: number | null;
  top1: number[];
  cmap: number[];
  history?: {
    epoch: number;
    LA: number;
    LT2: number;
    LB2: number;
    Lpenalty: number;
    /** Absent in results written before validation RMS was logged. */
    val?: { rms: number; distortion?: number };
  }[];
}

// No red in the palette: red is the B sweep's.
const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
];

export function privacyUtilitySvg(
  methods: readonly PlotMethod[],
  chance: { top1: number; cmap: number } | null,
  rows: readonly TableRow[] = [],
  /** Draws the goal's two lines (raw's top-1 less its points; the priors plus its points). */
  goal?: Goal,
): string {
  const pct = (i: { low: number; high: number } | undefined): [number, number] | undefined =>
    i ? [i.low * 100, i.high * 100] : undefined;
  const point = (m: PlotMethod, label?: string) => {
    const x = meanStd(m.cmap.map((v) => v * 100));
    const y = meanStd(m.top1.map((v) => v * 100));
    const r = rows.find((row) => row.method === m.method);
    return {
      x: x.mean,
      y: y.mean,
      xErr: x.std,
      yErr: y.std,
      xInt: pct(r?.cmap.ci),
      yInt: pct(r?.top1.ci),
      label,
    };
  };
  const series: Series[] = methods
    .filter((m) => m.kind === 'baseline')
    .map((m, i) => ({
      label: m.method,
      colour: PALETTE[i % PALETTE.length] as string,
      points: [point(m)],
      line: false,
      marker: 'square' as const,
    }));
  const spact = methods.filter((m) => m.kind === 'spact');
  if (spact.length)
    series.push({
      label: 'SPAct (lambda 0)',
      colour: '#000',
      points: spact.map((m) => point(m)),
      line: false,
      marker: 'diamond',
    });
  const sweep = methods.filter((m) => m.kind === 'veil').sort((a, b) => (a.B ?? 0) - (b.B ?? 0));
  if (sweep.length)
    series.push({
      label: 'veil, B sweep',
      colour: '#d62728',
      // Runs that land on the same spot (e.g. budgets the distortion never reached) share one label.
      points: sweep.map((m, i) => {
        const p = point(m);
        const same = sweep.filter((o) => {
          const q = point(o);
          return Math.abs(q.x - p.x) < 0.05 && Math.abs(q.y - p.y) < 0.05;
        });
        const first = same[0] === m || sweep.indexOf(same[0] as PlotMethod) >= i;
        return { ...p, label: first ? `B=${same.map((o) => o.B).join(', ')}` : undefined };
      }),
      line: true,
      marker: 'circle',
    });
  const ablated = methods.filter((m) => m.kind === 'ablation');
  if (ablated.length)
    series.push(
      ...ablated.map((m, i) => ({
        label: m.method,
        colour: PALETTE[(i + 5) % PALETTE.length] as string,
        points: [point(m)],
        line: false,
        marker: 'diamond' as const,
      })),
    );
  const study = studyRows(rows);
  const g = study && chance && goal ? goalLines(study, chance.cmap, goal) : null;
  if (study && rows.length > 1)
    series.unshift({
      label: 'Pareto front (means)',
      colour: '#999',
      points: paretoFront(study).map((r) => ({ x: r.cmap.mean * 100, y: r.top1.mean * 100 })),
      line: true,
      dashed: true,
      marker: 'none',
    });
  return chartSvg({
    title: study
      ? 'Privacy-utility trade-off (fresh judges; bars: 95% intervals)'
      : 'Privacy-utility trade-off (fresh judges on anonymized data)',
    xLabel: 'privacy leakage: attacker cMAP (%)  ← better',
    yLabel: 'action top-1 (%)  ↑ better',
    series,
    // Chance is known where the dataset is (an experiment's results); runs judged alone do without.
    hLines: [
      ...(chance ? [{ y: chance.top1 * 100, label: 'action chance' }] : []),
      ...(g && goal ? [{ y: g.top1 * 100, label: `goal: top-1 >= raw - ${goal.top1Points}` }] : []),
    ],
    vLines: [
      ...(chance ? [{ x: chance.cmap * 100, label: 'cMAP chance (priors)' }] : []),
      ...(g && goal ? [{ x: g.cmap * 100, label: `goal: cMAP <= priors + ${goal.cmapPoints}` }] : []),
    ],
    xRange: chance ? [Math.min(chance.cmap * 100, 100) - 5, 102] : undefined,
    yRange: [0, 102],
  });
}

/**
 * One chart per network: f_A's L_A (step 1), f_T's L_T and f_B's L_B (step 2), a line per run; and
 * f_A's validation RMS against each B, which shows whether the budget held.
 */
export function lossCurvesSvgs(methods: readonly PlotMethod[]): { name: string; svg: string }[] {
  const runs = methods.filter((m) => m.history && m.history.length > 0);
  const charts: { name: string; key: 'LA' | 'LT2' | 'LB2'; title: string }[] = [
    { name: 'loss-fA', key: 'LA', title: 'f_A: L_A = w_T L_T - w_B L_B + lambda L_penalty (step 1)' },
    { name: 'loss-fT', key: 'LT2', title: 'f_T: L_T, cross-entropy on anonymized clips (step 2)' },
    { name: 'loss-fB', key: 'LB2', title: 'f_B: L_B, NT-Xent on anonymized images (step 2)' },
  ];
  const Bs = [...new Set(runs.map((m) => m.B).filter((B): B is number => B !== null))].sort();
  const rms = {
    name: 'val-rms',
    svg: chartSvg({
      title: "f_A's distortion on validation clips, per epoch (dotted: each run's B)",
      xLabel: 'epoch',
      // A run whose B bounds another distortion (MethodConfig.distortion) is drawn in that one.
      yLabel: 'what B bounds: RMS(X - f_A(X)) or RMS(Z_t+1 - Z_t)',
      width: 640,
      height: 360,
      series: runs.map((m, i) => ({
        label: m.method,
        colour: PALETTE[i % PALETTE.length] as string,
        points: (m.history ?? []).flatMap((h) =>
          h.val ? [{ x: h.epoch + 1, y: h.val.distortion ?? h.val.rms }] : [],
        ),
        line: true,
      })),
      hLines: Bs.map((B) => ({ y: B, label: `B = ${B}` })),
    }),
  };
  const losses = charts.map((c) => ({
    name: c.name,
    svg: chartSvg({
      title: c.title,
      xLabel: 'epoch',
      yLabel: c.key === 'LA' ? 'L_A' : c.key === 'LT2' ? 'L_T' : 'L_B',
      width: 640,
      height: 360,
      series: runs.map((m, i) => ({
        label: m.method,
        colour: PALETTE[i % PALETTE.length] as string,
        points: (m.history ?? []).map((h) => ({ x: h.epoch + 1, y: h[c.key] })),
        line: true,
      })),
    }),
  }));
  return [...losses, rms];
}
