// The server's JSON API, typed as the pages read it. Every error the server sends carries a
// message ({ error }), shown to the user as is.
import type { Stat } from './dom.js';

export interface CompareRow {
  run: number;
  kind: string;
  method: string;
  B: number | null;
  lambda: number | null;
  seeds: number | null;
  top1: Stat | null;
  cmap: Stat | null;
  f1: Stat | null;
  source: 'protocol' | 'validation' | 'none';
  methodKind: string | null;
}

export interface RunSummary {
  id: number;
  kind: string;
  name: string;
  status: string;
  created: string;
  dir: string | null;
  hasFiles: boolean;
  rows: CompareRow[];
}

export interface RunDetail {
  run: RunSummary & { config: unknown };
  dir: string | null;
  files: string[];
  epochs: { epoch: number; metric: string; value: number }[];
  results: { method: string; seed: number; metric: string; value: number }[];
  rows: CompareRow[];
  metricsRows: number;
  frames: boolean;
}

export interface TableRow {
  run: number;
  method: string;
  label: string;
  kind: string;
  B: number | null;
  top1: Stat;
  cmap: Stat;
  f1: Stat;
  f1LogitAbove05: Stat;
  top1Drop: number | null;
  cmapDrop: number | null;
  from: string;
}

export interface CompareOut {
  rows: TableRow[];
  chance: { top1: number; cmap: number } | null;
  svg: string;
}

export interface ModelEntry {
  key: string;
  label: string;
  model: string | null;
  input: string | null;
}

export interface ModelInfo extends ModelEntry {
  stride: number;
  bytes: number;
  metadata: Record<string, string>;
}

async function check(r: Response): Promise<Response> {
  if (r.ok) return r;
  let message = `${r.status} ${r.statusText}`;
  try {
    const body = (await r.json()) as { error?: string };
    if (body.error) message = body.error;
  } catch {
    // not JSON: the status line says enough
  }
  throw new Error(message);
}

export const getJson = async <T>(url: string): Promise<T> =>
  (await (await check(await fetch(url))).json()) as T;
export const getText = async (url: string): Promise<string> => (await check(await fetch(url))).text();
export const getBytes = async (url: string): Promise<ArrayBuffer> =>
  (await check(await fetch(url))).arrayBuffer();

export async function postBytes<T>(url: string, body: ArrayBuffer): Promise<T> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream' },
    body,
  });
  return (await (await check(r)).json()) as T;
}
