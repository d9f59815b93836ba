// The server under attack: traversal in every spelling (../, %2e%2e, encoded slashes and
// backslashes, NUL, absolute paths, symlinks out of the workspace), malformed and oversized
// requests, other origins and hosts, other methods, and a burst of concurrent requests. Every
// answer is a 4xx or the right page, nothing from outside the workspace comes back, and the
// server keeps answering. Then `veil serve` itself: it prints its URL and Ctrl-C stops it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { startServer, type VeilServer } from '../../src/serve/server.js';
import { ROOT } from '../helpers.js';
import { raw, wire } from './helpers.js';
import { SECRET, testWorkspace, type TestWorkspace } from './workspace.js';

let w: TestWorkspace;
let server: VeilServer;
const LIMIT = 1024 * 1024;

before(async () => {
  w = testWorkspace();
  server = await startServer({ workspace: w.ws, host: '127.0.0.1', port: 0, maxBody: LIMIT });
});
after(async () => {
  await server.close();
  w.close();
});

const leaks = (b: Buffer): boolean => b.toString('latin1').includes(SECRET);

test('traversal in every spelling gets a 4xx and never the file', async () => {
  const abs = join(w.outside, 'secret.txt');
  const attempts = [
    '/files/../outside/secret.txt',
    '/files/%2e%2e/outside/secret.txt',
    '/files/%2E%2E/%2e%2e/outside/secret.txt',
    '/files/.%2e/outside/secret.txt',
    '/files/..%2foutside%2fsecret.txt',
    '/files/..%2Foutside%2Fsecret.txt',
    '/files/..%5coutside%5csecret.txt',
    '/files/..\\outside\\secret.txt',
    '/files/%252e%252e/outside/secret.txt',
    '/files/link-out/secret.txt',
    '/files/link-out/',
    '/files/runs/r1/secret-link.txt',
    '/files/secret-link.onnx',
    '/files/.hidden',
    '/files//etc/passwd',
    `/files/${abs}`,
    `/files/${encodeURIComponent(abs)}`,
    '/files/%2fetc%2fpasswd',
    '/files/runs/r1/metrics.csv%00.png',
    '/files/runs/r1/metrics.csv%00',
    '/files/%',
    '/files/%zz',
    '/files/%c0%ae%c0%ae/outside/secret.txt',
    '/app/../../package.json',
    '/app/%2e%2e/%2e%2e/package.json',
    '/static/..%2f..%2fpackage.json',
    '/vendor/ort/../../../package.json',
    '/vendor/ort/%2e%2e/package.json',
    '/vendor/other/x.js',
    '/vendor/__proto__/x.js',
    '/vendor/constructor/x.js',
    '/vendor/human/../models/blazeface.json',
    '/vendor/human-models/%2e%2e/package.json',
    '/vendor/tfjs-wasm/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/api/model.onnx?key=file:../outside/secret.onnx',
    '/api/model.onnx?key=file:link-out/secret.onnx',
    '/api/model.onnx?key=file:secret-link.onnx',
    `/api/model.onnx?key=file:${abs}`,
    '/api/model.onnx?key=file:%2e%2e/outside/secret.onnx',
    '/api/model.onnx?key=file:runs/r1/metrics.csv',
    '/api/model.onnx?key=run:999',
    '/api/runs/abc',
    '/api/runs/999',
    '/api/runs/1/charts/secret.svg',
    '/api/runs/1/charts/../../../outside/secret.txt',
    '/api/compare?r=bad',
    '/api/compare',
    '/api/nothing',
    '/nothing',
    'http://127.0.0.1/files/report/report.md',
    '*',
  ];
  for (const path of attempts) {
    const a = await raw(server.url, path);
    assert.ok(a.status >= 400 && a.status < 500, `${path}: ${a.status} ${a.body.toString().slice(0, 200)}`);
    assert.ok(!leaks(a.body), `${path} leaked the secret`);
    assert.equal(a.headers['access-control-allow-origin'], undefined);
    // Every refusal says why.
    if (a.body.length)
      assert.match(String((JSON.parse(a.body.toString()) as { error: string }).error), /\w/, path);
  }
  // The right pages still come back, whole.
  const csv = await raw(server.url, '/files/runs/r1/metrics.csv');
  assert.equal(csv.status, 200);
  assert.equal(csv.body.toString(), readFileSync(join(w.runDir, 'metrics.csv'), 'utf8'));
  assert.match(
    String(csv.headers['content-security-policy']),
    /sandbox/,
    'workspace files never run as pages',
  );
  assert.equal((await raw(server.url, '/files/report/report.md')).body.toString(), '# report\n');
  assert.equal(
    (await raw(server.url, '/files/report/report%2Emd')).status,
    200,
    'an encoded dot in a name is just a dot',
  );
});

test('malformed and oversized requests get a 4xx; other origins, hosts and methods are refused', async () => {
  const status = (s: string): number => Number(/^HTTP\/1\.1 (\d{3})/.exec(s)?.[1]);
  assert.equal(status(await wire(server.url, 'GARBAGE\r\n\r\n')), 400);
  assert.equal(
    status(await wire(server.url, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: abc\r\n\r\n')),
    400,
  );
  assert.equal(status(await wire(server.url, 'GET /\0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')), 400);
  assert.equal(
    status(await wire(server.url, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: ${'a'.repeat(20000)}\r\n\r\n`)),
    431,
  );
  assert.equal((await raw(server.url, `/files/${'a'.repeat(9000)}`)).status, 414);

  const origin = await raw(server.url, '/api/runs', { headers: { Origin: 'http://evil.example' } });
  assert.equal(origin.status, 403);
  assert.equal(origin.headers['access-control-allow-origin'], undefined);
  const host = await raw(server.url, '/api/runs', { headers: { Host: 'evil.example' } });
  assert.equal(host.status, 403, 'DNS rebinding: a Host that is not this server');
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS'])
    assert.equal((await raw(server.url, '/api/runs', { method })).status, 405, method);
  assert.equal((await raw(server.url, '/api/runs', { method: 'POST', body: Buffer.from('{}') })).status, 405);

  const post = (body: Buffer, headers: Record<string, string> = {}) =>
    raw(server.url, '/api/onnx/inspect', {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'application/octet-stream', ...headers },
    });
  assert.equal((await post(Buffer.alloc(LIMIT + 1))).status, 413, 'past the size limit');
  assert.equal(
    (await post(Buffer.alloc(LIMIT + 1), { 'Transfer-Encoding': 'chunked' })).status,
    413,
    'chunked',
  );
  assert.equal((await post(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))).status, 400, 'not ONNX');
  assert.equal((await post(Buffer.alloc(0))).status, 400, 'empty');
  assert.equal((await post(Buffer.from('x'), { 'Content-Type': 'text/plain' })).status, 415);
  assert.equal((await raw(server.url, '/api/runs')).status, 200, 'still answering');
});

test('a burst of 300 concurrent requests: each a 4xx or the right page, and the server keeps answering', async () => {
  const good = readFileSync(join(w.runDir, 'metrics.csv'), 'utf8');
  const paths = Array.from(
    { length: 300 },
    (_, i) =>
      [
        '/files/runs/r1/metrics.csv',
        '/files/%2e%2e/outside/secret.txt',
        '/api/runs',
        '/files/link-out/secret.txt',
        '/api/runs/1/charts/rms.svg',
        '/api/runs/1/frames.png',
      ][i % 6] as string,
  );
  const answers = await Promise.all(paths.map((p) => raw(server.url, p)));
  answers.forEach((a, i) => {
    const p = paths[i] as string;
    assert.ok(!leaks(a.body), p);
    if (p.includes('secret')) assert.ok(a.status >= 400 && a.status < 500, `${p}: ${a.status}`);
    else assert.equal(a.status, 200, `${p}: ${a.body.toString().slice(0, 200)}`);
    if (p === '/files/runs/r1/metrics.csv') assert.equal(a.body.toString(), good);
    if (p.endsWith('.png')) assert.equal(a.body.subarray(1, 4).toString(), 'PNG');
    if (p.endsWith('.svg')) assert.match(a.body.toString(), /^<svg/);
  });
  const runs = JSON.parse((await raw(server.url, '/api/runs')).body.toString()) as { runs: { id: number }[] };
  assert.deepEqual(
    runs.runs.map((r) => r.id),
    [w.runId],
  );
});

test('veil serve prints its URL, answers, and stops on Ctrl-C with exit code 130', async () => {
  const child = spawn('node', [join(ROOT, 'bin', 'veil.js'), 'serve', '--workspace', w.ws, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.on('exit', () => reject(new Error(`veil serve exited: ${out}${err}`)));
  });
  assert.equal((await raw(url, '/api/runs')).status, 200);
  const code = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  child.kill('SIGINT');
  assert.equal(await code, 130);
  assert.match(err, /stopped \(SIGINT\)/);
  // A usage error: a workspace that is not there.
  const bad = spawn('node', [
    join(ROOT, 'bin', 'veil.js'),
    'serve',
    '--workspace',
    join(w.root, 'nope'),
    '--port',
    '0',
  ]);
  assert.equal(await new Promise((resolve) => bad.on('exit', resolve)), 2);
});
