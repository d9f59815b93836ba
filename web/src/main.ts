// The front end of `veil serve`: one page shell, the page picked by the path.
import { getJson, type RunList } from './api.js';
import { showError } from './dom.js';
import { anonymizePage } from './anonymize_page.js';
import { comparePage } from './compare_page.js';
import { runPage } from './run_page.js';
import { runsPage } from './runs_page.js';

const PAGES: Record<string, (app: HTMLElement, q: URLSearchParams) => Promise<void>> = {
  '/': runsPage,
  '/run': runPage,
  '/compare': comparePage,
  '/anonymize': anonymizePage,
};

async function start(): Promise<void> {
  const app = document.getElementById('app') as HTMLElement;
  const path = location.pathname;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('nav a'))
    a.classList.toggle('active', a.dataset.page === path || (path === '/run' && a.dataset.page === '/'));
  const page = PAGES[path];
  try {
    if (!page) throw new Error(`no page ${path}`);
    const ws = getJson<RunList>('/api/runs').then(
      (r) => ((document.getElementById('workspace') as HTMLElement).textContent = r.workspace),
      () => undefined,
    );
    await page(app, new URLSearchParams(location.search));
    await ws;
  } catch (e) {
    showError(app, e);
  }
}

void start();
