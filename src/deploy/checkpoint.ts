// The checkpoint contract between training (src/method/) and delivery (src/deploy/).
//
// A trained anonymizer f_A is one `.safetensors` file holding f_A's state dict under the zoo's
// names (`createModel(model, options).stateDict()`), described by string entries of its
// `__metadata__`:
//   format   'veil-checkpoint/1'
//   model    the registry name, e.g. 'unet-small' (`veil models` lists them)
//   options  JSON of the registry options it was built with, e.g. '{"width":16}' ('{}': defaults)
//   kind     'anonymizer' | 'action' | 'privacy' (must agree with the registry's kind of `model`)
//   input    optional, the training resolution 'HxW' (e.g. '112x112'): the default --size
// A file without these entries may carry them in a sibling `<name>.json` instead
// ({ "model": ..., "options": {...}, "kind": ..., "input": [h, w] }). `saveCheckpoint` writes
// the metadata form; `veil anonymize` and `veil export` accept both and refuse anything that is
// not an anonymizer, naming the file.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

import { DataError } from '../data/errors.js';
import { createModel, loadWeights, modelSpec, resolveOptions, saveWeights } from '../models/index.js';
import type { ModelKind, Network } from '../models/index.js';

export const CHECKPOINT_FORMAT = 'veil-checkpoint/1';

export interface CheckpointSpec {
  /** The .safetensors file. */
  file: string;
  model: string;
  options: Record<string, unknown>;
  kind: ModelKind;
  /** Training resolution, when recorded. */
  input: { height: number; width: number } | null;
}

const KINDS: readonly ModelKind[] = ['anonymizer', 'action', 'privacy'];

/** The `__metadata__` of a safetensors file, read from its header alone (no tensors loaded). */
export function readSafetensorsMetadata(file: string): Record<string, string> {
  if (!existsSync(file)) throw new DataError(file, 'model checkpoint not found');
  if (statSync(file).isDirectory()) throw new DataError(file, 'is a folder, not a model checkpoint');
  const fd = openSync(file, 'r');
  try {
    const len = Buffer.alloc(8);
    if (readSync(fd, len, 0, 8, 0) < 8) throw new DataError(file, 'not a safetensors file (too short)');
    const n = Number(len.readBigUInt64LE(0));
    const size = statSync(file).size;
    if (n > size - 8 || n > 100_000_000)
      throw new DataError(file, 'not a safetensors file (bad header length)');
    const head = Buffer.alloc(n);
    readSync(fd, head, 0, n, 8);
    let header: unknown;
    try {
      header = JSON.parse(head.toString('utf8'));
    } catch {
      throw new DataError(file, 'not a safetensors file (header is not JSON)');
    }
    const meta = (header as { __metadata__?: unknown }).__metadata__;
    return meta && typeof meta === 'object' ? (meta as Record<string, string>) : {};
  } finally {
    closeSync(fd);
  }
}

/** '112x112', '112' or [112, 112] -> { height, width }; null when absent. */
export function parseInputSize(v: unknown, file: string): { height: number; width: number } | null {
  if (v === undefined || v === null || v === '') return null;
  const parts = Array.isArray(v) ? v.map(Number) : String(v).split('x').map(Number);
  const [h, w] = parts.length === 1 ? [parts[0], parts[0]] : parts;
  if (
    parts.length > 2 ||
    !Number.isInteger(h) ||
    !Number.isInteger(w) ||
    (h as number) < 1 ||
    (w as number) < 1
  )
    throw new DataError(file, `bad input size ${JSON.stringify(v)} (want 'HxW')`);
  return { height: h as number, width: w as number };
}

function fromFields(file: string, source: string, f: Record<string, unknown>): CheckpointSpec {
  const model = f.model;
  if (typeof model !== 'string' || !model)
    throw new DataError(file, `${source} does not name the model ('model' entry missing)`);
  let spec;
  try {
    spec = modelSpec(model);
  } catch (e) {
    throw new DataError(file, (e as Error).message);
  }
  let options: unknown = f.options ?? {};
  if (typeof options === 'string') {
    try {
      options = JSON.parse(options || '{}');
    } catch {
      throw new DataError(file, `${source}: 'options' is not JSON: ${options as string}`);
    }
  }
  if (!options || typeof options !== 'object' || Array.isArray(options))
    throw new DataError(file, `${source}: 'options' must be an object`);
  const kind = (f.kind ?? spec.kind) as ModelKind;
  if (!KINDS.includes(kind)) throw new DataError(file, `${source}: unknown kind '${String(kind)}'`);
  if (kind !== spec.kind)
    throw new DataError(file, `${source} says kind '${kind}' but '${model}' is an ${spec.kind} model`);
  try {
    resolveOptions(model, options as Record<string, unknown>);
  } catch (e) {
    throw new DataError(file, (e as Error).message);
  }
  return {
    file,
    model,
    options: options as Record<string, unknown>,
    kind,
    input: parseInputSize(f.input, file),
  };
}

/** What a checkpoint holds, from its metadata or its sibling JSON; no weights are read. */
export function readCheckpointSpec(file: string): CheckpointSpec {
  if (extname(file).toLowerCase() !== '.safetensors')
    throw new DataError(
      file,
      'a model checkpoint must be a .safetensors file (see src/deploy/checkpoint.ts)',
    );
  const meta = readSafetensorsMetadata(file);
  if (meta.model) return fromFields(file, 'its metadata', meta);
  const sidecar = join(dirname(file), `${basename(file, extname(file))}.json`);
  if (existsSync(sidecar)) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(sidecar, 'utf8'));
    } catch (e) {
      throw new DataError(sidecar, `not JSON: ${(e as Error).message}`);
    }
    if (!json || typeof json !== 'object') throw new DataError(sidecar, 'must hold a JSON object');
    return fromFields(file, basename(sidecar), json as Record<string, unknown>);
  }
  throw new DataError(
    file,
    `does not say which model it holds: no 'model' in its metadata and no ${basename(sidecar)} beside it`,
  );
}

/** Refuses a checkpoint of an action or privacy model where f_A is wanted. */
export function requireAnonymizer(spec: CheckpointSpec): CheckpointSpec {
  if (spec.kind !== 'anonymizer') {
    throw new DataError(
      spec.file,
      `holds an ${spec.kind} model ('${spec.model}'), not an anonymizer: give the checkpoint of f_A`,
    );
  }
  return spec;
}

/** Builds the network a checkpoint describes and loads its weights (strictly), in eval mode. */
export function loadAnonymizer(file: string): { spec: CheckpointSpec; net: Network } {
  const spec = requireAnonymizer(readCheckpointSpec(file));
  const net = createModel(spec.model, spec.options);
  try {
    loadWeights(net, file);
  } catch (e) {
    net.dispose();
    throw new DataError(file, `weights do not fit '${spec.model}': ${(e as Error).message}`);
  }
  return { spec, net: net.eval() };
}

export interface SaveCheckpointOptions {
  model: string;
  options?: Record<string, unknown>;
  /** The training resolution, recorded as the default --size. */
  input?: { height: number; width: number };
  /** Extra metadata (strings), e.g. the run id or the distortion budget. */
  extra?: Record<string, string>;
}

/** Writes `net` in the checkpoint format above (atomically). */
export function saveCheckpoint(file: string, net: Network, o: SaveCheckpointOptions): void {
  const spec = modelSpec(o.model);
  if (spec.kind !== net.kind)
    throw new Error(`saveCheckpoint: '${o.model}' is an ${spec.kind} model but the network is ${net.kind}`);
  const meta: Record<string, string> = {
    ...o.extra,
    format: CHECKPOINT_FORMAT,
    model: o.model,
    options: JSON.stringify(o.options ?? {}),
    kind: spec.kind,
  };
  if (o.input) meta.input = `${o.input.height}x${o.input.width}`;
  saveWeights(net, file, meta);
}
