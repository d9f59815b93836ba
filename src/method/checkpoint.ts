// Checkpoints: every network's state dict, every optimizer's state, libtorch's RNG state and the
// loop's position in one safetensors file (written atomically), with the run's config beside it as
// JSON. Loading it back and continuing gives the same numbers as never having stopped.
import { readFileSync } from 'node:fs';

import * as T from '../torch/index.js';
import type { nn, Optimizer, OptimizerState, Tensor } from '../torch/index.js';

export interface Checkpoint<S> {
  /** Where the loop stands and what it logged: plain JSON. */
  state: S;
  nets: Record<string, nn.Module>;
  optims: Record<string, Optimizer>;
}

export function saveCheckpoint<S>(path: string, c: Checkpoint<S>, config: unknown): void {
  const tensors: Record<string, Tensor> = {};
  for (const [name, net] of Object.entries(c.nets))
    for (const [k, t] of Object.entries(net.stateDict())) tensors[`net.${name}.${k}`] = t;
  const optim: Record<string, Omit<OptimizerState, 'tensors'>> = {};
  const owned: Tensor[] = [];
  for (const [name, o] of Object.entries(c.optims)) {
    const { tensors: ts, ...rest } = o.stateDict();
    optim[name] = rest;
    for (const [k, t] of Object.entries(ts)) {
      tensors[`optim.${name}.${k}`] = t;
      owned.push(t);
    }
  }
  const rng = T.getRngState();
  tensors.rng = rng;
  try {
    T.saveSafetensors(path, tensors, {
      state: JSON.stringify(c.state),
      optim: JSON.stringify(optim),
      config: JSON.stringify(config),
    });
    T.writeFileAtomic(path.replace(/\.safetensors$/, '') + '.json', [
      Buffer.from(JSON.stringify({ config, state: c.state }, null, 2) + '\n'),
    ]);
  } finally {
    rng.dispose();
    for (const t of owned) t.dispose();
  }
}

/** Restores networks, optimizers and the RNG in place; returns the saved state and config. */
export function loadCheckpoint<S>(
  path: string,
  nets: Record<string, nn.Module>,
  optims: Record<string, Optimizer>,
): { state: S; config: unknown } {
  const { tensors, metadata } = T.loadSafetensors(path);
  try {
    for (const [name, net] of Object.entries(nets)) net.loadStateDict(pick(tensors, `net.${name}.`));
    const optim = JSON.parse(metadata.optim ?? '{}') as Record<string, Omit<OptimizerState, 'tensors'>>;
    for (const [name, o] of Object.entries(optims)) {
      const s = optim[name];
      if (!s) throw new Error(`${path}: no state for optimizer '${name}'`);
      o.loadStateDict({ ...s, tensors: pick(tensors, `optim.${name}.`) });
    }
    if (tensors.rng) T.setRngState(tensors.rng);
    return {
      state: JSON.parse(metadata.state ?? 'null') as S,
      config: JSON.parse(metadata.config ?? 'null') as unknown,
    };
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
}

function pick(ts: Record<string, Tensor>, prefix: string): Record<string, Tensor> {
  return Object.fromEntries(
    Object.entries(ts)
      .filter(([k]) => k.startsWith(prefix))
      .map(([k, t]) => [k.slice(prefix.length), t]),
  );
}

/** A network's weights alone (for the selected f_A), with the config as metadata. */
export function saveWeightsFile(path: string, net: nn.Module, meta: Record<string, unknown>): void {
  T.saveSafetensors(path, net.stateDict(), { veil: JSON.stringify(meta) });
}

export function loadWeightsFile(path: string, net: nn.Module): Record<string, unknown> {
  const { tensors, metadata } = T.loadSafetensors(path);
  try {
    net.loadStateDict(tensors);
  } finally {
    for (const t of Object.values(tensors)) t.dispose();
  }
  return JSON.parse(metadata.veil ?? '{}') as Record<string, unknown>;
}

/** The JSON beside a checkpoint, for reading a run's config without loading tensors. */
export function readCheckpointJson(path: string): { config: unknown; state: unknown } {
  const file = path.replace(/\.safetensors$/, '') + '.json';
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { config: unknown; state: unknown };
  } catch (e) {
    throw new Error(`${file}: cannot read checkpoint description (${(e as Error).message})`);
  }
}
