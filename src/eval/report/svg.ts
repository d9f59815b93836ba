// A small SVG chart: linear axes with ticks, lines, points with error bars, reference lines and a
// legend. Enough for the report's plots without a plotting dependency.
export interface Series {
  label: string;
  colour: string;
  /** Error bars: ± xErr / yErr, or an interval [low, high] (which wins when both are given). */
  points: {
    x: number;
    y: number;
    xErr?: number;
    yErr?: number;
    xInt?: [number, number];
    yInt?: [number, number];
    label?: string;
  }[];
  /** Join the points with a line (a sweep) or leave them as markers (baselines). */
  line: boolean;
  marker?: 'circle' | 'square' | 'diamond' | 'none';
  /** A dashed line (a frontier), drawn under the others. */
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  /** Dashed reference lines, e.g. chance levels. */
  hLines?: { y: number; label: string }[];
  vLines?: { x: number; label: string }[];
  width?: number;
  height?: number;
  xRange?: [number, number];
  yRange?: [number, number];
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceTicks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((k) => k * mag).find((s) => span / s <= n) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

function range(values: number[], given?: [number, number]): [number, number] {
  if (given) return given;
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
  return [lo - pad, hi + pad];
}

export function chartSvg(c: ChartSpec): string {
  // The legend's column grows with its longest label (the variants' names are long), and the
  // picture with it, so no label is cut at the edge.
  const legend = Math.max(230, 40 + 6.6 * Math.max(0, ...c.series.map((x) => x.label.length)));
  const W = (c.width ?? 720) + legend - 230;
  const H = c.height ?? 480;
  const m = { l: 70, r: legend, t: 40, b: 56 };
  const pts = c.series.flatMap((s) => s.points);
  const xr = range([...pts.map((p) => p.x), ...(c.vLines ?? []).map((v) => v.x)], c.xRange);
  const yr = range([...pts.map((p) => p.y), ...(c.hLines ?? []).map((h) => h.y)], c.yRange);
  const X = (x: number): number => m.l + ((x - xr[0]) / (xr[1] - xr[0])) * (W - m.l - m.r);
  const Y = (y: number): number => H - m.b - ((y - yr[0]) / (yr[1] - yr[0])) * (H - m.t - m.b);
  const o: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${(m.l + W - m.r) / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(c.title)}</text>`,
  ];
  for (const t of niceTicks(xr[0], xr[1])) {
    o.push(`<line x1="${X(t)}" y1="${m.t}" x2="${X(t)}" y2="${H - m.b}" stroke="#eee"/>`);
    o.push(`<text x="${X(t)}" y="${H - m.b + 16}" text-anchor="middle">${+t.toFixed(4)}</text>`);
  }
  for (const t of niceTicks(yr[0], yr[1])) {
    o.push(`<line x1="${m.l}" y1="${Y(t)}" x2="${W - m.r}" y2="${Y(t)}" stroke="#eee"/>`);
    o.push(`<text x="${m.l - 6}" y="${Y(t) + 4}" text-anchor="end">${+t.toFixed(4)}</text>`);
  }
  o.push(
    `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#333"/>`,
  );
  o.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 14}" text-anchor="middle">${esc(c.xLabel)}</text>`);
  o.push(
    `<text transform="translate(18 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(c.yLabel)}</text>`,
  );
  for (const h of c.hLines ?? []) {
    o.push(
      `<line x1="${m.l}" y1="${Y(h.y)}" x2="${W - m.r}" y2="${Y(h.y)}" stroke="#999" stroke-dasharray="5 4"/>`,
    );
    o.push(`<text x="${W - m.r - 4}" y="${Y(h.y) - 4}" text-anchor="end" fill="#666">${esc(h.label)}</text>`);
  }
  // Each vertical line's label a row lower than the one before: lines close together stay legible.
  (c.vLines ?? []).forEach((v, i) => {
    o.push(
      `<line x1="${X(v.x)}" y1="${m.t}" x2="${X(v.x)}" y2="${H - m.b}" stroke="#999" stroke-dasharray="5 4"/>`,
    );
    o.push(`<text x="${X(v.x) + 4}" y="${m.t + 14 + 14 * i}" fill="#666">${esc(v.label)}</text>`);
  });
  const placed: Placed[] = [];
  c.series.forEach((s, i) => {
    if (s.line && s.points.length > 1)
      o.push(
        `<polyline fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${s.points.map((p) => `${X(p.x)},${Y(p.y)}`).join(' ')}"/>`,
      );
    for (const p of s.points) {
      const [y0, y1] = p.yInt ?? (p.yErr ? [p.y - p.yErr, p.y + p.yErr] : [p.y, p.y]);
      const [x0, x1] = p.xInt ?? (p.xErr ? [p.x - p.xErr, p.x + p.xErr] : [p.x, p.x]);
      if (y1 > y0)
        o.push(`<line x1="${X(p.x)}" y1="${Y(y0)}" x2="${X(p.x)}" y2="${Y(y1)}" stroke="${s.colour}"/>`);
      if (x1 > x0)
        o.push(`<line x1="${X(x0)}" y1="${Y(p.y)}" x2="${X(x1)}" y2="${Y(p.y)}" stroke="${s.colour}"/>`);
      o.push(marker(s.marker ?? 'circle', X(p.x), Y(p.y), s.colour));
      if (p.label) {
        const at = placeLabel(placed, X(p.x) + 7, Y(p.y) - 6, p.label.length * 6.2);
        o.push(`<text x="${at.x}" y="${at.y}" font-size="11" fill="${s.colour}">${esc(p.label)}</text>`);
      }
    }
    const ly = m.t + 10 + i * 20;
    o.push(
      s.marker === 'none'
        ? `<line x1="${W - m.r + 10}" y1="${ly}" x2="${W - m.r + 26}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`
        : marker(s.marker ?? 'circle', W - m.r + 18, ly, s.colour),
    );
    o.push(`<text x="${W - m.r + 30}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  o.push('</svg>');
  return o.join('\n');
}

interface Placed {
  x: number;
  y: number;
  w: number;
}

/** Moves a point label down a line at a time until it overlaps no label placed before it. */
function placeLabel(placed: Placed[], x: number, y: number, w: number): { x: number; y: number } {
  const LINE = 13;
  const clash = (yy: number): boolean =>
    placed.some((q) => Math.abs(q.y - yy) < LINE && x < q.x + q.w && q.x < x + w);
  let yy = y;
  for (let k = 0; k < 8 && clash(yy); k++) yy += LINE;
  placed.push({ x, y: yy, w });
  return { x, y: yy };
}

function marker(
  kind: 'circle' | 'square' | 'diamond' | 'none',
  x: number,
  y: number,
  colour: string,
): string {
  if (kind === 'none') return '';
  if (kind === 'square') return `<rect x="${x - 5}" y="${y - 5}" width="10" height="10" fill="${colour}"/>`;
  if (kind === 'diamond')
    return `<polygon points="${x},${y - 6} ${x + 6},${y} ${x},${y + 6} ${x - 6},${y}" fill="${colour}"/>`;
  return `<circle cx="${x}" cy="${y}" r="5" fill="${colour}"/>`;
}
