// Compare: the chosen rows (a method of a run) on the privacy-utility plot (the report's plot:
// chance and prior lines, intervals where the experiment's results.json has them) and as a
// Table 1 style table with drops from raw data. The choice lives in the URL (?r=RUN:METHOD ...).
import { type CompareOut, getJson, type RunList } from './api.js';
import { choiceBox, h, interval, showError, stat, svgNode } from './dom.js';

export async function comparePage(app: HTMLElement, q: URLSearchParams): Promise<void> {
  const chosen = new Set(q.getAll('r'));
  const picker = h('fieldset', { id: 'picker' });
  const out = h('div', { id: 'compare-out' });
  app.replaceChildren(h('h1', {}, 'Compare'), picker, out);
  const { runs } = await getJson<RunList>('/api/runs');
  const rows = runs.flatMap((r) =>
    r.rows.filter((x) => x.source === 'protocol').map((x) => ({ r, x, key: `${r.id}:${x.method}` })),
  );
  picker.replaceChildren(
    h('legend', {}, 'Rows judged by the protocol'),
    ...(rows.length
      ? rows.map(({ r, x, key }) =>
          h(
            'label',
            {},
            choiceBox(chosen, key, () => void draw()),
            ` ${x.method} (run ${r.id})`,
          ),
        )
      : [h('span', { class: 'note' }, 'No run has protocol results yet.')]),
  );
  const draw = async (): Promise<void> => {
    const p = new URLSearchParams();
    for (const k of chosen) p.append('r', k);
    history.replaceState(null, '', `/compare${chosen.size ? `?${p.toString()}` : ''}`);
    if (chosen.size === 0) {
      out.replaceChildren(h('p', { class: 'note' }, 'Tick rows above to compare them.'));
      return;
    }
    try {
      const c = await getJson<CompareOut>(`/api/compare?${p.toString()}`);
      const head = [
        'method',
        'run',
        'action top-1 (%) ↑',
        'privacy cMAP (%) ↓',
        'privacy F1 ↓',
        'F1, logits > 0.5',
        'top-1 drop from raw',
        'cMAP drop from raw',
      ];
      const drop = (v: number | null): string =>
        v === null || !Number.isFinite(v) ? '-' : (v * 100).toFixed(2);
      out.replaceChildren(
        h('div', { id: 'plot' }, svgNode(c.svg)),
        h(
          'table',
          { id: 'table1' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              head.map((x, i) => h('th', { class: i === 0 ? 'text' : undefined }, x)),
            ),
          ),
          h(
            'tbody',
            {},
            c.rows.map((r) =>
              h(
                'tr',
                {},
                h('td', { class: 'text' }, r.label),
                h('td', {}, r.run),
                h('td', {}, stat(r.top1, 100, 2) + interval(r.top1, 100)),
                h('td', {}, stat(r.cmap, 100, 2) + interval(r.cmap, 100)),
                h('td', {}, stat(r.f1, 1, 3)),
                h('td', {}, stat(r.f1LogitAbove05, 1, 3)),
                h('td', {}, drop(r.top1Drop)),
                h('td', {}, drop(r.cmapDrop)),
              ),
            ),
          ),
        ),
        h(
          'p',
          { class: 'note' },
          c.chance
            ? `Chance: top-1 ${(c.chance.top1 * 100).toFixed(1)}%, cMAP ${(c.chance.cmap * 100).toFixed(1)}% (the attribute priors). `
            : 'Chance unknown for these runs (no experiment results.json). ',
          'Mean ± std over seeds; [95% bootstrap interval over the test set] where the experiment recorded per-item results. Drops are from raw data judged in the same run.',
        ),
      );
    } catch (e) {
      showError(out, e);
    }
  };
  await draw();
}
