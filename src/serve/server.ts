// `veil serve`'s HTTP server (Node's http module, no framework): the front end (web/, compiled at
// install time), onnxruntime-web's files from node_modules, a read-only JSON API over the run
// registry and the runs' files, and the workspace's files themselves. Every request is answered
// whatever it holds: a bad one with a 4xx and a message, a failure inside with a 500; the server
// stays up. Nothing outside the workspace (or the app's own folders) is ever read for a request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { DEFAULT_SCORES, detectorConfig } from '../deploy/detector.js';
import { readMetricsCsv } from '../runs/metrics_file.js';
import { Registry, type RunRow } from '../runs/registry.js';
import { compareRows } from '../runs/compare.js';
import { runDir } from '../runs/run_dir.js';
import { readEvents } from '../runs/tensorboard_read.js';
import type { RunDetail, RunList } from './api_types.js';
import { CHARTS, type ChartName, runChart } from './charts.js';
import { compareRuns, parseKey } from './compare.js';
import { badRequest, HttpError, notFound } from './http_error.js';
import { inspectOnnx, listModels, ModelCache, strideOf } from './models.js';
import { isInside, pathSegments, resolveInside } from './paths.js';
import { readBody, send, sendError, sendFile, sendJson } from './respond.js';

export interface ServeOptions {
  workspace: string;
  host: string;
  /** 0: any free port. */
  port: number;
  /** The most bytes a POST body may hold (an ONNX model sent to be inspected). */
  maxBody?: number;
}

export const DEFAULT_MAX_BODY = 256 * 1024 * 1024;
/** The longest request target accepted (path and query). */
const MAX_URL = 8192;
const PAGES = new Set(['/', '/run', '/compare', '/anonymize']);

/** The repository's root (where package.json is), from this file's place in src/ or dist/src/. */
function appRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('veil serve: cannot find the package root (package.json)');
    dir = up;
  }
  return dir;
}

export interface VeilServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Folders requests may read, each a real path. */
interface Roots {
  workspace: string;
  web: string;
  static: string;
  ort: string;
  /** The audit's detector in the page: @vladmandic/human's browser build, its models, tfjs's WebAssembly. */
  human: string;
  humanModels: string;
  tfjsWasm: string;
}

function roots(workspace: string): Roots {
  const root = appRoot();
  const web = join(root, 'web', 'dist');
  if (!existsSync(join(web, 'main.js')))
    throw new Error(
      `${web}/main.js: the front end is not built; run 'npx tsc -p web/tsconfig.json' (scripts/setup.sh does)`,
    );
  const require = createRequire(import.meta.url);
  const ort = dirname(require.resolve('onnxruntime-web'));
  const human = dirname(require.resolve('@vladmandic/human'));
  return {
    workspace: realpathSync(workspace),
    web: realpathSync(web),
    static: realpathSync(join(root, 'web', 'static')),
    ort: realpathSync(ort),
    human: realpathSync(human),
    humanModels: realpathSync(join(human, '..', 'models')),
    tfjsWasm: realpathSync(dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))),
  };
}

export async function startServer(o: ServeOptions): Promise<VeilServer> {
  if (!existsSync(o.workspace) || !statSync(o.workspace).isDirectory())
    throw new Error(`${o.workspace}: no such workspace folder`);
  const r = roots(o.workspace);
  const models = new ModelCache(r.workspace);
  const maxBody = o.maxBody ?? DEFAULT_MAX_BODY;
  let allowedHosts: Set<string> | null = null;
  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => sendError(res, e));
  });
  // Slow or stuck clients do not hold the server: headers within 10 s, a whole request within 2 min.
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000;
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    // Malformed HTTP (Node's parser refused it): a 4xx when the socket can still take one.
    const status =
      e.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    if (socket.writable) socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = req.url ?? '';
    if (target.length > MAX_URL) throw new HttpError(414, `request target longer than ${MAX_URL} characters`);
    if (!target.startsWith('/')) throw badRequest('the request target must be a path starting with /');
    // DNS rebinding: a page of another site that resolves its own name to 127.0.0.1 sends its Host.
    const host = req.headers.host ?? '';
    if (allowedHosts && !allowedHosts.has(host.toLowerCase()))
      throw new HttpError(403, `Host '${host.slice(0, 100)}' is not this server's`);
    // No CORS: other origins get no Access-Control-* header, and may not even send a POST.
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`)
      throw new HttpError(403, `requests from other origins (${origin.slice(0, 100)}) are refused`);
    const q = target.indexOf('?');
    const rawPath = q < 0 ? target : target.slice(0, q);
    const query = new URLSearchParams(q < 0 ? '' : target.slice(q + 1));
    if (rawPath.includes('#')) throw badRequest('a fragment (#) is not part of a request');
    const method = req.method ?? '';
    const head = method === 'HEAD';

    if (method === 'POST') {
      if (rawPath !== '/api/onnx/inspect')
        throw new HttpError(405, `POST ${rawPath.slice(0, 100)}: read-only`);
      const type = req.headers['content-type'] ?? '';
      if (type !== 'application/octet-stream')
        throw new HttpError(
          415,
          `POST /api/onnx/inspect takes application/octet-stream (the .onnx bytes), got '${type}'`,
        );
      const body = await readBody(req, maxBody);
      if (body.byteLength === 0) throw badRequest('an empty body is not an ONNX model');
      const metadata = inspectOnnx(body, 'the posted model');
      sendJson(res, { bytes: body.byteLength, metadata, stride: strideOf(metadata) });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD')
      throw new HttpError(405, `${method.slice(0, 20)}: only GET, HEAD and POST`);

    if (rawPath === '/favicon.ico') {
      res.statusCode = 204; // none: browsers ask for one on every page
      res.end();
      return;
    }
    if (PAGES.has(rawPath)) {
      const { path, stats } = resolveInside(r.static, ['index.html']);
      sendFile(res, path, stats.size, { head });
      return;
    }
    const [first, ...rest] = rawPath.slice(1).split('/');
    const under = (root: string, what: string, csp: 'app' | 'file' = 'app'): void => {
      const { path, stats } = resolveInside(root, pathSegments(rest.join('/')), what);
      if (!stats.isFile()) throw notFound(`${what} /${rest.join('/')} (not a file)`);
      sendFile(res, path, stats.size, { head, csp, cache: csp === 'app' });
    };
    switch (first) {
      case 'app':
        return under(r.web, 'app file');
      case 'static':
        return under(r.static, 'static file');
      case 'vendor': {
        const vendor: Record<string, string> = {
          ort: r.ort,
          human: r.human,
          'human-models': r.humanModels,
          'tfjs-wasm': r.tfjsWasm,
        };
        const root = vendor[rest[0] ?? ''];
        if (!root || !Object.hasOwn(vendor, rest[0] ?? ''))
          throw notFound(`/vendor/${(rest[0] ?? '').slice(0, 40)}`);
        rest.shift();
        return under(root, 'package file');
      }
      case 'files':
        return under(r.workspace, 'workspace file', 'file');
      case 'api':
        return api(rest, query, res, head);
      default:
        throw notFound(rawPath.slice(0, 200));
    }
  }

  /** The registry opened read-only for one request (absent: no run recorded yet). */
  function registry(): Registry | null {
    const f = join(r.workspace, 'runs.sqlite');
    return existsSync(f) ? new Registry(f, { readOnly: true }) : null;
  }

  function withRegistry<T>(fn: (reg: Registry | null) => T): T {
    const reg = registry();
    try {
      return fn(reg);
    } finally {
      reg?.close();
    }
  }

  function getRun(reg: Registry | null, idText: string | undefined): { run: RunRow; all: RunRow[] } {
    if (!idText || !/^\d{1,9}$/.test(idText))
      throw badRequest(`a run id is an integer, got '${(idText ?? '').slice(0, 40)}'`);
    if (!reg) throw notFound(`run ${idText} (no run registry in this workspace)`);
    const all = reg.runs();
    const run = all.find((x) => x.id === Number(idText));
    if (!run) throw notFound(`run ${idText}`);
    return { run, all };
  }

  /** A run's folder, or a 404 (an eval has none; a folder leading out of the workspace is not followed). */
  function dirOf(run: RunRow, all: RunRow[]): string {
    const d = runDir(r.workspace, run, all);
    if (!d || !isInside(r.workspace, d)) throw notFound(`run ${run.id}'s folder`);
    return realpathSync(d);
  }

  function metricsOf(run: RunRow, all: RunRow[]) {
    const dir = dirOf(run, all);
    const f = join(dir, 'metrics.csv');
    if (!isInside(r.workspace, f)) throw notFound(`run ${run.id}'s metrics.csv`);
    return readMetricsCsv(f);
  }

  function api(seg: string[], query: URLSearchParams, res: ServerResponse, head: boolean): void {
    const path = seg.join('/');
    if (path === 'runs')
      return sendJson(
        res,
        withRegistry((reg): RunList => {
          const all = reg?.runs() ?? [];
          return {
            workspace: r.workspace,
            // The configs stay out of the list (a run's page shows its own).
            runs: all.map(({ config: _config, ...x }, i) => ({
              ...x,
              hasFiles: runDir(r.workspace, all[i] as RunRow, all) !== null,
              rows: compareRows(reg as Registry, all[i] as RunRow),
            })),
          };
        }),
        head,
      );
    if (seg[0] === 'runs' && seg.length === 2)
      return sendJson(
        res,
        withRegistry((reg): RunDetail => {
          const { run, all } = getRun(reg, seg[1]);
          const d = runDir(r.workspace, run, all);
          const files =
            d && isInside(r.workspace, d)
              ? readdirSync(d)
                  .filter((f) => !f.startsWith('.'))
                  .sort()
              : [];
          return {
            run,
            dir: d ? d.slice(r.workspace.length + 1) : null,
            files,
            epochs: (reg as Registry).epochs(run.id),
            results: (reg as Registry).results(run.id),
            rows: compareRows(reg as Registry, run),
            metricsRows: files.includes('metrics.csv') ? metricsOf(run, all).length : 0,
            frames: files.some((f) => f.startsWith('events.out.tfevents.')),
          };
        }),
        head,
      );
    if (seg[0] === 'runs' && seg.length === 3 && seg[2] === 'metrics')
      return sendJson(
        res,
        withRegistry((reg) => {
          const { run, all } = getRun(reg, seg[1]);
          return { run: run.id, rows: metricsOf(run, all) };
        }),
        head,
      );
    if (seg[0] === 'runs' && seg.length === 4 && seg[2] === 'charts') {
      const name = (seg[3] ?? '').replace(/\.svg$/, '') as ChartName;
      if (!CHARTS.includes(name) || !seg[3]?.endsWith('.svg'))
        throw notFound(
          `chart '${(seg[3] ?? '').slice(0, 40)}' (${CHARTS.map((c) => `${c}.svg`).join(', ')})`,
        );
      const svg = withRegistry((reg) => {
        const { run, all } = getRun(reg, seg[1]);
        return runChart(name, metricsOf(run, all));
      });
      return send(res, 200, 'image/svg+xml; charset=utf-8', svg, { head });
    }
    if (seg[0] === 'runs' && seg.length === 3 && seg[2] === 'frames.png') {
      const png = withRegistry((reg) => {
        const { run, all } = getRun(reg, seg[1]);
        const dir = dirOf(run, all);
        // The newest frame grid of the newest events file (a resumed run starts a new one).
        const files = readdirSync(dir)
          .filter((f) => f.startsWith('events.out.tfevents.'))
          .map((f) => join(dir, f))
          .filter((f) => isInside(r.workspace, f))
          .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs);
        for (const f of files.reverse()) {
          const image = readEvents(f)
            .flatMap((e) => e.images)
            .at(-1);
          if (image) return image.png;
        }
        throw notFound(`run ${run.id}'s frame grid (no epoch has ended yet)`);
      });
      return send(res, 200, 'image/png', png, { head });
    }
    if (path === 'compare') {
      const keys = query.getAll('r').map(parseKey);
      return sendJson(
        res,
        withRegistry((reg) => {
          if (!reg) throw notFound('runs to compare (no run registry in this workspace)');
          return compareRuns(r.workspace, reg, keys);
        }),
        head,
      );
    }
    if (path === 'audit')
      // The page's detector runs as `veil anonymize --audit`'s does: the same models, settings and scores.
      return sendJson(res, { config: detectorConfig(), ...DEFAULT_SCORES }, head);
    if (path === 'models')
      return sendJson(
        res,
        withRegistry((reg) => listModels(r.workspace, reg)),
        head,
      );
    if (path === 'model' || path === 'model.onnx') {
      const key = query.get('key');
      if (!key)
        throw badRequest('which model? ?key=run:ID or ?key=file:PATH.onnx (GET /api/models lists them)');
      if (path === 'model')
        return sendJson(
          res,
          withRegistry((reg) => models.info(key, reg)),
          head,
        );
      const { bytes } = withRegistry((reg) => models.bytes(key, reg));
      return send(res, 200, 'application/octet-stream', bytes, { head });
    }
    throw notFound(`/api/${path.slice(0, 200)}`);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  // Bound to every interface, any Host may be right; bound to one, only its own names are.
  if (!['0.0.0.0', '::'].includes(o.host)) {
    allowedHosts = new Set(
      [`${shown}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`].map((h) =>
        h.toLowerCase(),
      ),
    );
  }
  const sockets = new Set<import('node:net').Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    url: `http://${o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : shown}:${port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Idle keep-alive connections and slow clients would hold close() open.
        for (const s of sockets) s.destroy();
      }),
  };
}
