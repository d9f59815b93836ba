// Shared by the tests of `veil serve`: Debian's chromium driven headless by playwright-core, a
// server on a free port, raw HTTP requests (exact bytes on the wire, so a traversal attempt is
// not normalised away by a client), and where screenshots go.
import { mkdirSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';

import { type Browser, chromium } from 'playwright-core';

import { startServer, type VeilServer } from '../../src/serve/server.js';
import { tempDir } from '../helpers.js';

export const CHROMIUM = '/usr/bin/chromium';

export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // A fake camera, so the Anonymize page's camera path can run here too.
    args: [
      '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

export const serve = (workspace: string): Promise<VeilServer> =>
  startServer({ workspace, host: '127.0.0.1', port: 0 });

/** Where the tests leave their screenshots: $VEIL_SCREENSHOTS, else a temporary folder (printed). */
export function screenshotDir(): string {
  const dir = process.env.VEIL_SCREENSHOTS || join(tempDir('veil-serve-shots-'));
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One request with the path sent exactly as given. */
export function raw(
  url: string,
  path: string,
  o: { method?: string; headers?: Record<string, string>; body?: Buffer } = {},
): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path, method: o.method ?? 'GET', headers: o.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Bytes written straight to the socket (malformed HTTP); what comes back before it closes. */
export function wire(url: string, bytes: string | Buffer, waitMs = 2000): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    const done = (): void => {
      s.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('close', done);
    s.on('error', done);
    s.setTimeout(waitMs, done);
    s.write(bytes);
  });
}
