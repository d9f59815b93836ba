// veil's one checkpoint format, for every network it writes and reads: f_A, f_T and f_B after
// pre-training and the minimax, the selected f_A, the judges' backbones. It lives here, below both
// training (src/method/, src/runs/) and delivery (src/deploy/), so whatever training writes,
// `veil anonymize` and `veil export` read as is.
//
// A checkpoint is one `.safetensors` file holding the network's state dict under the zoo's names
// (so PyTorch loads it by name), described by string entries of its `__metadata__`:
//   format   'veil-checkpoint/1'
//   model    the registry name, e.g. 'unet-small' (`veil models` lists them)
//   options  JSON of the registry options it was built with, every default filled in
//   kind     'anonymizer' | 'action' | 'privacy' (agrees with the registry's kind of `model`)
//   input    optional, the training resolution 'HxW': `veil anonymize`'s default --size
//   config   optional, JSON of the config that made it (a run's method config)
//   ...      any other string entries (epoch, losses, role), kept as `extra`
// A file without `model` (weights written by another tool) may carry the same fields in a sibling
// `<name>.json` ({ "model": ..., "options": {...}, "kind": ..., "input": [h, w] }).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

import { readSafetensorsHeader } from '../torch/index.js';
import type { ModelKind, Network } from './network.js';
import { createModel, modelSpec, resolveOptions } from './registry.js';
import { loadWeights, saveWeights } from './weights.js';

export const CHECKPOINT_FORMAT = 'veil-checkpoint/1';

export interface InputSize {
  height: number;
  width: number;
}

export interface CheckpointSpec {
  /** The .safetensors file. */
  file: string;
  model: string;
  options: Record<string, unknown>;
  kind: ModelKind;
  /** Training resolution, when recorded. */
  input: InputSize | null;
  /** The config that made it, when recorded. */
  config: unknown;
  /** The other metadata entries. */
  extra: Record<string, string>;
}

const KINDS: readonly ModelKind[] = ['anonymizer', 'action', 'privacy'];
const FIELDS = ['format', 'model', 'options', 'kind', 'input', 'config'];

/** Every error about a checkpoint starts with its path, so the file to look at is never in doubt. */
const fail = (file: string, why: string): never => {
  throw new Error(`${file}: ${why}`);
};

/** '112x112', '112' or [112, 112] -> { height, width }; null when absent. */
export function parseInputSize(v: unknown, file: string): InputSize | null {
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
    fail(file, `bad input size ${JSON.stringify(v)} (want 'HxW')`);
  return { height: h as number, width: w as number };
}

function json(file: string, source: string, key: string, v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v || 'null') as unknown;
  } catch {
    return fail(file, `${source}: '${key}' is not JSON: ${v.slice(0, 80)}`);
  }
}

function fromFields(file: string, source: string, f: Record<string, unknown>): CheckpointSpec {
  const model = f.model;
  if (typeof model !== 'string' || !model)
    fail(file, `${source} does not name the model ('model' entry missing)`);
  let spec;
  try {
    spec = modelSpec(model as string);
  } catch (e) {
    return fail(file, (e as Error).message);
  }
  const options = json(file, source, 'options', f.options ?? {}) ?? {};
  if (typeof options !== 'object' || Array.isArray(options))
    fail(file, `${source}: 'options' must be an object`);
  const kind = (f.kind ?? spec.kind) as ModelKind;
  if (!KINDS.includes(kind)) fail(file, `${source}: unknown kind '${String(kind)}'`);
  if (kind !== spec.kind)
    fail(file, `${source} says kind '${kind}' but '${spec.name}' is an ${spec.kind} model`);
  try {
    resolveOptions(spec.name, options as Record<string, unknown>);
  } catch (e) {
    fail(file, (e as Error).message);
  }
  const extra = Object.fromEntries(
    Object.entries(f).filter(([k, v]) => !FIELDS.includes(k) && typeof v === 'string'),
  ) as Record<string, string>;
  return {
    file,
    model: spec.name,
    options: options as Record<string, unknown>,
    kind,
    input: parseInputSize(f.input, file),
    config: json(file, source, 'config', f.config) ?? null,
    extra,
  };
}

/** What a checkpoint holds, from its metadata or its sibling JSON; no weights are read. */
export function readCheckpointSpec(file: string): CheckpointSpec {
  if (extname(file).toLowerCase() !== '.safetensors')
    fail(file, 'a model checkpoint must be a .safetensors file (see src/models/checkpoint.ts)');
  if (!existsSync(file)) fail(file, 'model checkpoint not found');
  if (statSync(file).isDirectory()) fail(file, 'is a folder, not a model checkpoint');
  const meta = readSafetensorsHeader(file).metadata;
  if (meta.model) return fromFields(file, 'its metadata', meta);
  const sidecar = join(dirname(file), `${basename(file, extname(file))}.json`);
  if (existsSync(sidecar)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(sidecar, 'utf8'));
    } catch (e) {
      return fail(sidecar, `not JSON: ${(e as Error).message}`);
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
      fail(sidecar, 'must hold a JSON object');
    return fromFields(file, basename(sidecar), parsed as Record<string, unknown>);
  }
  return fail(
    file,
    `does not say which model it holds: no 'model' in its metadata and no ${basename(sidecar)} beside it`,
  );
}

export interface SaveCheckpointOptions {
  /** The registry name and options; default: those `createModel` recorded on the network. */
  model?: string;
  options?: Record<string, unknown>;
  /** The training resolution, recorded as `veil anonymize`'s default --size. */
  input?: InputSize | null;
  /** The config that made it (JSON-serialisable). */
  config?: unknown;
  /** Other metadata, e.g. the epoch or the role. */
  extra?: Record<string, string>;
}

/** Writes `net` in the checkpoint format above (atomically). */
export function saveCheckpoint(file: string, net: Network, o: SaveCheckpointOptions = {}): void {
  const model = o.model ?? net.origin?.model;
  if (!model)
    throw new Error(
      `saveCheckpoint(${file}): the network was not built by createModel; say which model it is`,
    );
  const spec = modelSpec(model);
  if (spec.kind !== net.kind)
    throw new Error(
      `saveCheckpoint(${file}): '${model}' is an ${spec.kind} model but the network is ${net.kind}`,
    );
  const options = resolveOptions(model, o.options ?? (o.model ? {} : net.origin?.options));
  const meta: Record<string, string> = {
    ...o.extra,
    format: CHECKPOINT_FORMAT,
    model,
    options: JSON.stringify(options),
    kind: spec.kind,
  };
  if (o.input) meta.input = `${o.input.height}x${o.input.width}`;
  if (o.config !== undefined) meta.config = JSON.stringify(o.config);
  saveWeights(net, file, meta);
}

/** Loads a checkpoint's weights (strictly) into `net`, which must be the model it names. */
export function loadCheckpointInto(net: Network, file: string): CheckpointSpec {
  const spec = readCheckpointSpec(file);
  const origin = net.origin;
  if (origin) {
    const same =
      origin.model === spec.model &&
      JSON.stringify(origin.options) === JSON.stringify(resolveOptions(spec.model, spec.options));
    if (!same)
      fail(
        file,
        `holds '${spec.model}' ${JSON.stringify(spec.options)}, not the '${origin.model}' ${JSON.stringify(origin.options)} it is loaded into`,
      );
  }
  try {
    loadWeights(net, file);
  } catch (e) {
    fail(file, `weights do not fit '${spec.model}': ${(e as Error).message}`);
  }
  return spec;
}

/** Builds the network a checkpoint describes and loads its weights (strictly), in eval mode. */
export function loadCheckpoint(file: string, kind?: ModelKind): { spec: CheckpointSpec; net: Network } {
  const spec = readCheckpointSpec(file);
  if (kind && spec.kind !== kind) {
    const want =
      kind === 'anonymizer' ? ', not an anonymizer: give the checkpoint of f_A' : `, not an ${kind} model`;
    fail(file, `holds an ${spec.kind} model ('${spec.model}')${want}`);
  }
  const net = createModel(spec.model, spec.options);
  try {
    loadCheckpointInto(net, file);
  } catch (e) {
    net.dispose();
    throw e;
  }
  return { spec, net: net.eval() };
}

/** f_A for delivery: refuses a checkpoint of an action or privacy model, naming the file. */
export function loadAnonymizer(file: string): { spec: CheckpointSpec; net: Network } {
  return loadCheckpoint(file, 'anonymizer');
}
