// A run: its curves (losses per step, RMS against B, validation per epoch, drawn by the server
// from metrics.csv with the report's chart code), its frame grid (validation frames raw and
// through f_A at the last epoch), its results and config. While the run is running the page asks
// every 2 s and redraws when metrics.csv has grown.
import { getJson, getText, type RunDetail } from './api.js';
import { h, opt, showError, stat, svgNode } from './dom.js';

const CHARTS = ['losses', 'rms', 'validation'];

export async function runPage(app: HTMLElement, q: URLSearchParams): Promise<void> {
  const id = q.get('id') ?? '';
  if (!/^\d+$/.test(id)) throw new Error('which run? /run?id=N (the Runs page links them)');
  const title = h('h1');
  const status = h('p', { id: 'status' });
  const charts = h('div', { class: 'charts', id: 'charts' });
  const grid = h('div', { id: 'grid' });
  const results = h('div');
  const config = h('pre', { id: 'config' });
  app.replaceChildren(
    title,
    status,
    charts,
    h('h2', {}, 'Frames'),
    grid,
    results,
    h('h2', {}, 'Config'),
    config,
  );
  let shown = -1;
  let timer = 0;
  const load = async (): Promise<void> => {
    const d = await getJson<RunDetail>(`/api/runs/${id}`);
    const r = d.run;
    title.textContent = `Run ${r.id}: ${r.name}`;
    status.textContent =
      `${r.kind}, ${r.status}, created ${r.created}${d.dir ? `, files in ${d.dir}/` : ''}` +
      (d.metricsRows ? `; ${d.metricsRows} metric rows` : '');
    config.textContent = JSON.stringify(r.config, null, 2);
    results.replaceChildren(
      h('h2', {}, 'Results'),
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['method', 'B', 'lambda', 'seeds', 'top-1 (%)', 'cMAP (%)', 'F1', 'from'].map((c) =>
              h('th', {}, c),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          d.rows.map((x) =>
            h(
              'tr',
              {},
              h('td', { class: 'text' }, x.method),
              h('td', {}, opt(x.B)),
              h('td', {}, opt(x.lambda)),
              h('td', {}, opt(x.seeds)),
              h('td', {}, stat(x.top1, 100, 2)),
              h('td', {}, stat(x.cmap, 100, 2)),
              h('td', {}, stat(x.f1, 1, 3)),
              h(
                'td',
                { class: 'text' },
                x.source === 'validation' ? 'last validation epoch (cMAP column: instance match)' : x.source,
              ),
            ),
          ),
        ),
      ),
    );
    if (d.files.includes('metrics.csv') && d.metricsRows !== shown) {
      shown = d.metricsRows;
      const svgs = await Promise.all(CHARTS.map((c) => getText(`/api/runs/${id}/charts/${c}.svg`)));
      charts.replaceChildren(...svgs.map((s, i) => h('div', { 'data-chart': CHARTS[i] }, svgNode(s))));
      grid.replaceChildren(
        d.frames
          ? h('img', {
              class: 'grid',
              src: `/api/runs/${id}/frames.png?rows=${shown}`,
              alt: 'validation frames, raw (top) and through f_A (bottom)',
              width: 512,
              onerror: (e) =>
                (e.target as HTMLElement).replaceWith(
                  h('p', { class: 'note' }, 'No frame grid yet (one is written at the end of each epoch).'),
                ),
            })
          : h('p', { class: 'note' }, 'This run has no event files (no frame grid).'),
        h('p', { class: 'note' }, 'Validation frames at the last epoch: raw above, through f_A below.'),
      );
    } else if (!d.files.includes('metrics.csv')) {
      charts.replaceChildren(
        h(
          'p',
          { class: 'note' },
          d.dir
            ? "No metrics.csv in this run's folder."
            : `A${r.kind === 'eval' ? 'n eval' : 'n ' + r.kind} run has no curves; its results are below.`,
        ),
      );
      grid.replaceChildren();
    }
    window.clearTimeout(timer);
    if (r.status === 'running')
      timer = window.setTimeout(() => void load().catch((e) => showError(status, e)), 2000);
  };
  await load();
}
