// Imports point down (cli, serve, runs, eval, method, deploy, models|data, torch), and ESLint keeps them
// so: the rule eslint.config.js builds from its LAYERS table rejects an upward import, at any depth
// and in any form, lets a downward one through, covers every folder of src/, and passes the real
// tree. The fixtures are code linted as if it stood in a real file of the layer (lintText), so
// the typed config applies unchanged and no file that fails the lint is committed.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { ESLint } from 'eslint';

import { ROOT } from '../helpers.js';

const RULES = ['@typescript-eslint/no-restricted-imports', 'no-restricted-syntax'];
const eslint = new ESLint({ cwd: ROOT });

/** A real .ts file of `dir` (relative to src/), to lint fixture code as if it stood there. */
function hostIn(dir: string): string {
  const full = join(ROOT, 'src', dir);
  const file = readdirSync(full)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()[0];
  if (!file) throw new Error(`no .ts file in src/${dir}`);
  return join(full, file);
}

/** The layer rule's messages on `code` placed in src/`dir`. */
async function layerErrors(dir: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: hostIn(dir) });
  const messages = r?.messages ?? [];
  const fatal = messages.find((m) => m.fatal);
  assert.equal(fatal, undefined, `src/${dir}: ${fatal?.message}`);
  return messages.filter((m) => RULES.includes(m.ruleId ?? '')).map((m) => m.message);
}

const use = (spec: string): string => `import * as m from '${spec}';\nexport const used = m;\n`;

test('an upward import is an error that names the rule, at any depth', async () => {
  const upward: [string, string][] = [
    ['method', '../eval/protocol.js'],
    ['method', '../runs/experiment.js'],
    ['eval/report', '../../runs/experiment.js'],
    ['deploy', '../method/anonymize.js'],
    ['deploy/onnx', '../../eval/metrics.js'],
    ['models', '../data/rng.js'],
    ['data', '../models/index.js'],
    ['data/datasets', '../../models/index.js'],
    ['torch', '../models/index.js'],
    ['torch/nn', '../../data/rng.js'],
    ['runs', '../cli/main.js'],
    ['runs', '../serve/server.js'],
    ['serve', '../cli/main.js'],
    ['method', './../eval/metrics.js'],
  ];
  for (const [dir, spec] of upward) {
    const errors = await layerErrors(dir, use(spec));
    assert.equal(errors.length, 1, `src/${dir} importing ${spec}: ${JSON.stringify(errors)}`);
    assert.match(
      errors[0] as string,
      /imports point down: cli, serve, runs, eval, method, deploy, models\|data, torch/,
    );
    assert.match(errors[0] as string, new RegExp(`src/${dir.split('/')[0]}:`));
  }
});

test('type-only imports, re-exports and import() are caught too', async () => {
  const code = [
    "import type { ProtocolConfig } from '../eval/protocol.js';",
    "export type { EpochLog } from '../runs/experiment.js';",
    "export { meanStd } from '../eval/metrics.js';",
    "export const load = (): Promise<unknown> => import('../eval/protocol.js');",
    'export type P = ProtocolConfig;',
  ].join('\n');
  assert.equal((await layerErrors('method', code)).length, 4);
});

test('a downward or sideways-within-a-folder import passes', async () => {
  const downward: [string, string][] = [
    ['cli', '../runs/experiment.js'],
    ['cli', '../eval/metrics.js'],
    ['cli', '../serve/server.js'],
    ['serve', '../runs/registry.js'],
    ['serve', '../eval/report/svg.js'],
    ['runs', '../eval/protocol.js'],
    ['eval', '../method/metrics.js'],
    ['eval/report', '../../method/inference.js'],
    ['method', '../models/index.js'],
    ['method', '../data/rng.js'],
    ['method', './inference.js'],
    ['deploy', '../data/progress.js'],
    ['deploy', '../models/index.js'],
    ['models', '../torch/index.js'],
    ['data', '../torch/index.js'],
    ['data/datasets', '../video/index.js'],
    ['torch/nn', '../tensor.js'],
    ['torch', 'node:fs'],
  ];
  for (const [dir, spec] of downward)
    assert.deepEqual(await layerErrors(dir, use(spec)), [], `src/${dir} importing ${spec}`);
});

test('every folder of src/ is in the table', async () => {
  const config = (await import(pathToFileURL(join(ROOT, 'eslint.config.js')).href)) as { LAYERS: string[][] };
  const listed = config.LAYERS.flat().sort();
  const folders = readdirSync(join(ROOT, 'src'))
    .filter((f) => statSync(join(ROOT, 'src', f)).isDirectory())
    .sort();
  assert.deepEqual(folders, listed, 'a new folder of src/ needs its place in LAYERS (eslint.config.js)');
});

test('the real tree keeps the rule', async () => {
  const results = await eslint.lintFiles(['src']);
  const upward = results.flatMap((r) =>
    r.messages
      .filter((m) => RULES.includes(m.ruleId ?? ''))
      .map((m) => `${relative(ROOT, r.filePath)}:${m.line}: ${m.message}`),
  );
  assert.deepEqual(upward, []);
});

/** Files under src/ and the relative .ts files each imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.ts')) {
        const text = readFileSync(p, 'utf8');
        const specs = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1] as string);
        graph.set(
          relative(ROOT, p),
          specs.map((s) => relative(ROOT, normalize(join(dirname(p), s.replace(/\.js$/, '.ts'))))),
        );
      }
    }
  };
  walk(join(ROOT, 'src'));
  return graph;
}

test('no import cycle between files, but for the engine core (Tensor and its ops)', () => {
  const graph = importGraph();
  // Tarjan's strongly connected components.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v) as number);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      for (let w = ''; w !== v;) scc.push((w = stack.pop() as string));
      if (scc.length > 1) cycles.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  const outsideTorch = cycles.filter((c) => c.some((f) => !f.startsWith(join('src', 'torch'))));
  assert.deepEqual(outsideTorch, [], 'files that import each other, round a circle');
});
