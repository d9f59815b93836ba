// Building the pages' elements: h() makes an element with attributes and children (text is always
// set as text, never parsed as HTML), and the number formats every page shares.
import type { Stat } from './api.js';

type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | ((e: Event) => void) | undefined> = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.replace(/^on/, ''), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

/** An SVG document from the server (the report's own charts), as a node of this page. */
/** A checkbox that keeps `key` in `chosen` while ticked, then calls `changed` (a row picker's). */
export function choiceBox(chosen: Set<string>, key: string, changed: () => void): HTMLInputElement {
  return h('input', {
    type: 'checkbox',
    checked: chosen.has(key),
    'data-key': key,
    onchange: (e) => {
      if ((e.target as HTMLInputElement).checked) chosen.add(key);
      else chosen.delete(key);
      changed();
    },
  });
}

export function svgNode(text: string): Node {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg') throw new Error('the server sent no SVG');
  return document.importNode(root, true);
}

/** 95.71±2.02 (percent when scale is 100), or '-' for none. */
export function stat(s: Stat | null | undefined, scale: number, digits: number): string {
  if (!s || s.mean === null || !Number.isFinite(s.mean)) return '-';
  const m = (s.mean * scale).toFixed(digits);
  return s.n > 1 && Number.isFinite(s.std) ? `${m} ± ${(s.std * scale).toFixed(digits)}` : m;
}

export const interval = (s: Stat | null | undefined, scale: number): string =>
  s?.ci ? ` [${(s.ci.low * scale).toFixed(1)}, ${(s.ci.high * scale).toFixed(1)}]` : '';

export const opt = (v: number | null | undefined): string =>
  v === null || v === undefined ? '-' : String(v);

export function showError(where: HTMLElement, e: unknown): void {
  where.replaceChildren(
    h('p', { class: 'error', role: 'alert' }, e instanceof Error ? e.message : String(e)),
  );
}
