// The server's JSON API. Its types are the server's own (src/serve/api_types.d.ts, a declaration
// file this build reads from outside web/src). Every error the server sends carries a message
// ({ error }), shown to the user as is.
export type {
  CompareOut,
  CompareRow,
  CompareRowOut,
  ModelEntry,
  ModelInfo,
  RunDetail,
  RunList,
  Stat,
} from '../../src/serve/api_types.js';

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
