// Random tensors, all drawn from libtorch's default generator (seeded by manualSeed).
import { op } from '../dispatch.js';
import type { Tensor, Shape } from '../tensor.js';
import type { CreateOptions } from './creation.js';

export function rand(shape: Shape, opts: CreateOptions = {}): Tensor {
  return op('aten::rand', [...shape], opts.dtype ?? 'float32', null, opts.device ?? null);
}

export function randn(shape: Shape, opts: CreateOptions = {}): Tensor {
  return op('aten::randn', [...shape], opts.dtype ?? 'float32', null, opts.device ?? null);
}

/** Integers uniform in [low, high). */
export function randint(low: number, high: number, shape: Shape, opts: CreateOptions = {}): Tensor {
  if (!(high > low)) throw new Error(`randint: high (${high}) must exceed low (${low})`);
  return op('aten::randint.low', low, high, [...shape], opts.dtype ?? 'int64', null, opts.device ?? null);
}

export function randperm(n: number, opts: CreateOptions = {}): Tensor {
  return op('aten::randperm', n, opts.dtype ?? 'int64', null, opts.device ?? null);
}

/** 0/1 draws: with a tensor of probabilities, or with one probability p over `like`'s shape. */
export function bernoulli(probs: Tensor, p?: number): Tensor {
  if (p === undefined) return op('aten::bernoulli', probs, null);
  return op('aten::bernoulli.p', probs, p, null);
}

export function randLike(t: Tensor): Tensor {
  return op('aten::rand_like', t);
}

export function randnLike(t: Tensor): Tensor {
  return op('aten::randn_like', t);
}

/** In place, without autograd: parameter initialisation. */
export function uniform_(t: Tensor, from: number, to: number): Tensor {
  return op('aten::uniform_', t, from, to, null);
}

export function normal_(t: Tensor, mean: number, std: number): Tensor {
  return op('aten::normal_', t, mean, std, null);
}
