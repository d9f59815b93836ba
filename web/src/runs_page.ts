// Runs: the workspace's run registry as one table, a row per method of a run (an experiment has
// one per baseline and learned method; a minimax run one, with its last validation epoch). Rows
// judged by the protocol can be ticked and compared. Refreshes while a run is running.
import { getJson, type RunList } from './api.js';
import { choiceBox, h, opt, showError, stat } from './dom.js';

const keyOf = (run: number, method: string): string => `${run}:${method}`;

export async function runsPage(app: HTMLElement): Promise<void> {
  const chosen = new Set<string>();
  const table = h('div');
  const compare = h(
    'button',
    {
      id: 'compare',
      onclick: () => {
        const q = new URLSearchParams();
        for (const k of chosen) q.append('r', k);
        location.href = `/compare?${q.toString()}`;
      },
      disabled: true,
    },
    'Compare selected',
  );
  app.replaceChildren(
    h('h1', {}, 'Runs'),
    h(
      'p',
      { class: 'note' },
      "Top-1, cMAP and F1: mean ± std over judge seeds (protocol rows). A minimax run shows its last epoch's validation top-1 and, under cMAP, f_B's instance-match accuracy (*).",
    ),
    table,
    compare,
  );
  let timer = 0;
  const load = async (): Promise<void> => {
    const { runs } = await getJson<RunList>('/api/runs');
    if (runs.length === 0) {
      table.replaceChildren(
        h(
          'p',
          {},
          'No runs recorded in this workspace yet (veil demo, veil train and veil eval record theirs).',
        ),
      );
      return;
    }
    const head = [
      '',
      'run',
      'kind',
      'method',
      'B',
      'lambda',
      'seeds',
      'status',
      'top-1 (%)',
      'cMAP (%)',
      'F1',
    ];
    const body = runs.flatMap((r) =>
      r.rows.map((x) => {
        const key = keyOf(r.id, x.method);
        const box =
          x.source === 'protocol' ? choiceBox(chosen, key, () => (compare.disabled = chosen.size === 0)) : '';
        const star = x.source === 'validation' ? ' *' : '';
        return h(
          'tr',
          { class: r.status === 'running' ? 'running' : undefined, 'data-run': r.id },
          h('td', {}, box),
          h('td', {}, h('a', { href: `/run?id=${r.id}` }, r.id)),
          h('td', { class: 'text' }, r.kind),
          h('td', { class: 'text' }, x.method),
          h('td', {}, opt(x.B)),
          h('td', {}, opt(x.lambda)),
          h('td', {}, opt(x.seeds)),
          h('td', { class: 'text' }, r.status),
          h('td', {}, stat(x.top1, 100, 2) + star),
          h('td', {}, stat(x.cmap, 100, 2) + star),
          h('td', {}, stat(x.f1, 1, 3)),
        );
      }),
    );
    table.replaceChildren(
      h(
        'table',
        { id: 'runs' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            head.map((c, i) => h('th', { class: i === 3 || i === 2 || i === 7 ? 'text' : undefined }, c)),
          ),
        ),
        h('tbody', {}, body),
      ),
    );
    window.clearTimeout(timer);
    if (runs.some((r) => r.status === 'running'))
      timer = window.setTimeout(() => void load().catch((e) => showError(table, e)), 5000);
  };
  await load();
}
