// Reductions. `dim` undefined reduces everything; negative dims count from the end.
import { op, ops } from '../dispatch.js';
import type { Tensor } from '../tensor.js';

const dims = (d: number | number[]): number[] => (Array.isArray(d) ? d : [d]);

export function sum(a: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return dim === undefined ? op('aten::sum', a) : op('aten::sum.dim_IntList', a, dims(dim), keepdim);
}

export function mean(a: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return dim === undefined ? op('aten::mean', a) : op('aten::mean.dim', a, dims(dim), keepdim);
}

/** Largest values over all elements or along dims (values only; see maxDim for indices). */
export function amax(a: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return dim === undefined ? op('aten::max', a) : op('aten::amax', a, dims(dim), keepdim);
}

export function amin(a: Tensor, dim?: number | number[], keepdim = false): Tensor {
  return dim === undefined ? op('aten::min', a) : op('aten::amin', a, dims(dim), keepdim);
}

/** max along one dim: [values, indices]. */
export function maxDim(a: Tensor, dim: number, keepdim = false): [Tensor, Tensor] {
  return ops('aten::max.dim', a, dim, keepdim) as [Tensor, Tensor];
}

export function minDim(a: Tensor, dim: number, keepdim = false): [Tensor, Tensor] {
  return ops('aten::min.dim', a, dim, keepdim) as [Tensor, Tensor];
}

export function argmax(a: Tensor, dim?: number, keepdim = false): Tensor {
  return op('aten::argmax', a, dim ?? null, keepdim);
}

export function argmin(a: Tensor, dim?: number, keepdim = false): Tensor {
  return op('aten::argmin', a, dim ?? null, keepdim);
}

export function variance(a: Tensor, dim?: number | number[], unbiased = true, keepdim = false): Tensor {
  return op('aten::var.correction', a, dim === undefined ? null : dims(dim), unbiased ? 1 : 0, keepdim);
}

export function std(a: Tensor, dim?: number | number[], unbiased = true, keepdim = false): Tensor {
  return op('aten::std.correction', a, dim === undefined ? null : dims(dim), unbiased ? 1 : 0, keepdim);
}

/** The p-norm over dims (all elements when undefined). */
export function norm(a: Tensor, p = 2, dim?: number | number[], keepdim = false): Tensor {
  return op('aten::linalg_vector_norm', a, p, dim === undefined ? null : dims(dim), keepdim);
}

/** The k largest (or smallest) along dim: [values, indices]. */
export function topk(a: Tensor, k: number, dim = -1, largest = true): [Tensor, Tensor] {
  return ops('aten::topk', a, k, dim, largest, true) as [Tensor, Tensor];
}
