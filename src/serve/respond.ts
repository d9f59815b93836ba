// How the server answers: the headers every response carries (no CORS for other origins, a
// content security policy, cross-origin isolation so onnxruntime-web may use threads), JSON and
// error bodies, and files streamed from disk. Request bodies are read up to a byte limit.
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';

import { HttpError } from './http_error.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

export const contentType = (file: string): string =>
  TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';

/**
 * The app's pages may run scripts from this origin only (and compile WebAssembly); media and
 * images may come from blob: URLs the page makes itself (a chosen video never leaves the page).
 */
const APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob: mediastream:",
  "connect-src 'self' blob: data:",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Workspace files are data: an HTML or SVG file among them is shown, never run. */
const FILE_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

export type Csp = 'app' | 'file';

function common(res: ServerResponse, csp: Csp): void {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Content-Security-Policy', csp === 'app' ? APP_CSP : FILE_CSP);
}

export function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array,
  o: { csp?: Csp; cache?: boolean; head?: boolean } = {},
): void {
  common(res, o.csp ?? 'app');
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', o.cache ? 'max-age=300' : 'no-store');
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.setHeader('Content-Length', bytes.byteLength);
  res.end(o.head ? undefined : bytes);
}

export const sendJson = (res: ServerResponse, value: unknown, head = false): void =>
  send(res, 200, 'application/json; charset=utf-8', JSON.stringify(value), { head });

export function sendError(res: ServerResponse, e: unknown): void {
  const status = e instanceof HttpError ? e.status : 500;
  const message = e instanceof Error ? e.message : String(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (status === 405) res.setHeader('Allow', 'GET, HEAD, POST');
  // The rest of a refused body is never read: the connection cannot carry another request.
  if (status === 413) res.setHeader('Connection', 'close');
  send(res, status, 'application/json; charset=utf-8', JSON.stringify({ error: message, status }));
}

/** A file from disk, streamed; `size` from the caller's stat. */
export function sendFile(
  res: ServerResponse,
  file: string,
  size: number,
  o: { csp?: Csp; cache?: boolean; head?: boolean } = {},
): void {
  common(res, o.csp ?? 'app');
  res.statusCode = 200;
  res.setHeader('Content-Type', contentType(file));
  res.setHeader('Content-Length', size);
  res.setHeader('Cache-Control', o.cache ? 'max-age=300' : 'no-store');
  if (o.head) {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** The request's body, refused with 413 past `limit` bytes (before reading, when Content-Length says so). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit)
    return Promise.reject(
      new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit}`),
    );
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      n += c.byteLength;
      if (n > limit) {
        done = true;
        // Stop reading: the rest is left unread and the connection is closed after the answer.
        req.pause();
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!done) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!done) reject(new HttpError(400, `request body: ${e.message}`));
    });
  });
}
