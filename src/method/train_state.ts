// A training loop's state, for exact resume: every network's state dict, every optimizer's state,
// libtorch's RNG state and the loop's position in one safetensors file (written atomically), with
// the run's config beside it as JSON. Loading it back and continuing gives the same numbers as
// never having stopped. The networks themselves, for use, go out as checkpoints
// (src/models/checkpoint.ts).
import * as T from '../torch/index.js';
import type { nn, Optimizer, OptimizerState, Tensor } from '../torch/index.js';

export interface TrainState<S> {
  /** Where the loop stands and what it logged: plain JSON. */
  state: S;
  nets: Record<string, nn.Module>;
  optims: Record<string, Optimizer>;
}

export function saveTrainState<S>(path: string, c: TrainState<S>, config: unknown): void {
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
export function loadTrainState<S>(
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
