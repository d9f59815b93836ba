// Elementwise arithmetic, comparisons and unary functions. A number operand uses the operator's
// Scalar overload, so no temporary tensor is made (and integer tensors keep their dtype).
import { op } from '../dispatch.js';
import type { Tensor } from '../tensor.js';

type Operand = Tensor | number;

function binary(name: string, a: Tensor, b: Operand): Tensor {
  return typeof b === 'number' ? op(`aten::${name}.Scalar`, a, b) : op(`aten::${name}.Tensor`, a, b);
}

export const add = (a: Tensor, b: Operand, alpha = 1): Tensor =>
  typeof b === 'number' ? op('aten::add.Scalar', a, b, alpha) : op('aten::add.Tensor', a, b, alpha);
export const sub = (a: Tensor, b: Operand, alpha = 1): Tensor =>
  typeof b === 'number' ? op('aten::sub.Scalar', a, b, alpha) : op('aten::sub.Tensor', a, b, alpha);
export const mul = (a: Tensor, b: Operand): Tensor => binary('mul', a, b);
export const div = (a: Tensor, b: Operand): Tensor => binary('div', a, b);
/** b - a, for a number b. */
export const rsub = (a: Tensor, b: number): Tensor => op('aten::rsub.Scalar', a, b);

export const eq = (a: Tensor, b: Operand): Tensor => binary('eq', a, b);
export const ne = (a: Tensor, b: Operand): Tensor => binary('ne', a, b);
export const lt = (a: Tensor, b: Operand): Tensor => binary('lt', a, b);
export const le = (a: Tensor, b: Operand): Tensor => binary('le', a, b);
export const gt = (a: Tensor, b: Operand): Tensor => binary('gt', a, b);
export const ge = (a: Tensor, b: Operand): Tensor => binary('ge', a, b);
export const logicalAnd = (a: Tensor, b: Tensor): Tensor => op('aten::logical_and', a, b);
export const logicalOr = (a: Tensor, b: Tensor): Tensor => op('aten::logical_or', a, b);
export const logicalNot = (a: Tensor): Tensor => op('aten::logical_not', a);

export const neg = (a: Tensor): Tensor => op('aten::neg', a);
export const abs = (a: Tensor): Tensor => op('aten::abs', a);
export const sqrt = (a: Tensor): Tensor => op('aten::sqrt', a);
export const rsqrt = (a: Tensor): Tensor => op('aten::rsqrt', a);
export const exp = (a: Tensor): Tensor => op('aten::exp', a);
export const log = (a: Tensor): Tensor => op('aten::log', a);
export const square = (a: Tensor): Tensor => op('aten::square', a);
export const floor = (a: Tensor): Tensor => op('aten::floor', a);
export const round = (a: Tensor): Tensor => op('aten::round', a);
export const sign = (a: Tensor): Tensor => op('aten::sign', a);
export const pow = (a: Tensor, e: Operand): Tensor =>
  typeof e === 'number' ? op('aten::pow.Tensor_Scalar', a, e) : op('aten::pow.Tensor_Tensor', a, e);
export const maximum = (a: Tensor, b: Tensor): Tensor => op('aten::maximum', a, b);
export const minimum = (a: Tensor, b: Tensor): Tensor => op('aten::minimum', a, b);

export function clamp(a: Tensor, min: number | null, max: number | null = null): Tensor {
  if (min === null && max === null) throw new Error('clamp: give min, max or both');
  return op('aten::clamp', a, min, max);
}

/** Elementwise choice: cond ? a : b (numbers are broadcast). */
export function where(cond: Tensor, a: Operand, b: Operand): Tensor {
  if (typeof a === 'number' && typeof b === 'number') {
    return op('aten::where.Scalar', cond, a, b);
  }
  if (typeof a === 'number') return op('aten::where.ScalarSelf', cond, a, b);
  if (typeof b === 'number') return op('aten::where.ScalarOther', cond, a, b);
  return op('aten::where.self', cond, a, b);
}

export const matmul = (a: Tensor, b: Tensor): Tensor => op('aten::matmul', a, b);
/** x W^T + b, as nn.Linear. */
export const linear = (x: Tensor, w: Tensor, b: Tensor | null = null): Tensor => op('aten::linear', x, w, b);

// In place, for optimizers, initialisers and buffers; they bypass nothing in autograd.
export const zero_ = (a: Tensor): Tensor => op('aten::zero_', a);
export const fill_ = (a: Tensor, v: number): Tensor => op('aten::fill_.Scalar', a, v);
export const copy_ = (dst: Tensor, src: Tensor): Tensor => op('aten::copy_', dst, src);
export const mul_ = (a: Tensor, b: Operand): Tensor =>
  typeof b === 'number' ? op('aten::mul_.Scalar', a, b) : op('aten::mul_.Tensor', a, b);
export const add_ = (a: Tensor, b: Operand, alpha = 1): Tensor =>
  typeof b === 'number' ? op('aten::add_.Scalar', a, b, alpha) : op('aten::add_.Tensor', a, b, alpha);
