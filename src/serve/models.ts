// The anonymizers the Anonymize page can run: each run's selected f_A (fA.safetensors, exported
// to ONNX in memory on first use, as `veil export` would write it) and the .onnx files `veil
// export` left in the workspace (its top folder and each run's folder). The browser gets the
// graph's bytes and runs it itself; nothing is written.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

import { DataError, UsageError } from '../data/errors.js';
import { checkpointOnnx } from '../deploy/onnx/checkpoint_export.js';
import { readOnnxMetadata } from '../deploy/onnx/metadata.js';
import { readCheckpointSpec } from '../models/index.js';
import type { Registry } from '../runs/registry.js';
import { runDir } from '../runs/run_dir.js';
import type { ModelEntry, ModelInfo } from './api_types.js';
import { badRequest, HttpError, notFound } from './http_error.js';
import { isInside, pathSegments, resolveInside } from './paths.js';

const sizeText = (i: { height: number; width: number } | null): string | null =>
  i ? `${i.height}x${i.width}` : null;

function onnxFiles(root: string): string[] {
  const dirs = [root];
  try {
    for (const d of readdirSync(join(root, 'runs'))) dirs.push(join(root, 'runs', d));
  } catch {
    // no runs folder
  }
  return dirs.flatMap((d) => {
    try {
      return readdirSync(d)
        .filter((f) => f.endsWith('.onnx') && !f.startsWith('.'))
        .map((f) => join(d, f))
        .filter((f) => isInside(root, f) && statSync(f).isFile());
    } catch {
      return [];
    }
  });
}

export function listModels(root: string, reg: Registry | null): ModelEntry[] {
  const out: ModelEntry[] = [];
  if (reg) {
    const runs = reg.runs();
    for (const r of runs) {
      const dir = runDir(root, r, runs);
      const f = dir && join(dir, 'fA.safetensors');
      if (!f || !isInside(root, f)) continue;
      try {
        const spec = readCheckpointSpec(f);
        out.push({
          key: `run:${r.id}`,
          label: `run ${r.id}: ${r.name}`,
          model: spec.model,
          input: sizeText(spec.input),
        });
      } catch {
        // a checkpoint being written or broken: not offered
      }
    }
  }
  for (const f of onnxFiles(root)) {
    const rel = relative(root, f).split(sep).join('/');
    out.push({ key: `file:${rel}`, label: rel, model: null, input: null });
  }
  return out;
}

export class ModelCache {
  private readonly cache = new Map<string, { stamp: string; bytes: Uint8Array }>();

  constructor(
    private readonly root: string,
    private readonly limit = 4,
  ) {}

  /** The ONNX bytes of a model key, exported or read; the cache keeps the last few. */
  bytes(key: string, reg: Registry | null): { bytes: Uint8Array; entry: ModelEntry } {
    const { file, entry } = this.locate(key, reg);
    const st = statSync(file);
    const stamp = `${st.mtimeMs}:${st.size}`;
    const hit = this.cache.get(file);
    if (hit && hit.stamp === stamp) return { bytes: hit.bytes, entry };
    let bytes: Uint8Array;
    try {
      bytes = file.endsWith('.onnx') ? readFileSync(file) : checkpointOnnx(file).bytes;
    } catch (e) {
      // A model the exporter refuses by design (a motion-aware f_A) is the request's problem, not the server's.
      throw new HttpError(e instanceof UsageError ? 422 : 500, (e as Error).message);
    }
    this.cache.delete(file);
    this.cache.set(file, { stamp, bytes });
    while (this.cache.size > this.limit) this.cache.delete(this.cache.keys().next().value as string);
    return { bytes, entry };
  }

  info(key: string, reg: Registry | null): ModelInfo {
    const { bytes, entry } = this.bytes(key, reg);
    const metadata = inspectOnnx(bytes, entry.label);
    return {
      ...entry,
      model: metadata['veil.model'] ?? entry.model,
      input: metadata['veil.input'] ?? entry.input,
      stride: strideOf(metadata),
      bytes: bytes.byteLength,
      metadata,
    };
  }

  private locate(key: string, reg: Registry | null): { file: string; entry: ModelEntry } {
    const run = /^run:(\d{1,9})$/.exec(key);
    if (run) {
      if (!reg) throw notFound(`model ${key} (no run registry in this workspace)`);
      const runs = reg.runs();
      const r = runs.find((x) => x.id === Number(run[1]));
      if (!r) throw notFound(`run ${run[1]}`);
      const dir = runDir(this.root, r, runs);
      const file = dir && join(dir, 'fA.safetensors');
      if (!file || !isInside(this.root, file)) throw notFound(`run ${r.id}'s fA.safetensors`);
      const spec = readCheckpointSpec(file);
      return {
        file,
        entry: { key, label: `run ${r.id}: ${r.name}`, model: spec.model, input: sizeText(spec.input) },
      };
    }
    if (key.startsWith('file:')) {
      const rel = key.slice(5);
      if (!rel.endsWith('.onnx')) throw badRequest(`a model file must be .onnx, got '${rel.slice(0, 80)}'`);
      const { path, stats } = resolveInside(
        this.root,
        pathSegments(rel.split('/').map(encodeURIComponent).join('/')),
        'model',
      );
      if (!stats.isFile()) throw notFound(`model ${rel}`);
      return { file: path, entry: { key, label: rel, model: null, input: null } };
    }
    throw badRequest(`a model key is run:ID or file:PATH.onnx, got '${key.slice(0, 80)}'`);
  }
}

/** `veil export`'s metadata of ONNX bytes; a 400 when they are not ONNX. */
export function inspectOnnx(bytes: Uint8Array, what: string): Record<string, string> {
  try {
    return readOnnxMetadata(bytes, what);
  } catch (e) {
    if (e instanceof DataError) throw badRequest((e as Error).message);
    throw e;
  }
}

export function strideOf(metadata: Record<string, string>): number {
  const s = Number(metadata['veil.stride'] ?? 1);
  return Number.isInteger(s) && s >= 1 && s <= 1024 ? s : 1;
}
