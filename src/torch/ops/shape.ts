// Views, joins and selections. Views share storage with their input, as in PyTorch.
import { op, ops } from '../dispatch.js';
import { native } from '../native.js';
import type { MemoryFormat } from '../dtype.js';
import type { Tensor } from '../tensor.js';

export const view = (a: Tensor, shape: number[]): Tensor => op('aten::view', a, shape);
export const reshape = (a: Tensor, shape: number[]): Tensor => op('aten::reshape', a, shape);
export const permute = (a: Tensor, dims: number[]): Tensor => op('aten::permute', a, dims);
export const transpose = (a: Tensor, d0: number, d1: number): Tensor => op('aten::transpose.int', a, d0, d1);
/** `a` laid out in `format` (a copy only when it is not already). */
export const contiguous = (a: Tensor, format: MemoryFormat = 'contiguous_format'): Tensor =>
  op('aten::contiguous', a, format);
/**
 * Whether `a` is laid out densely in `format`: its strides are those `contiguous(a, format)` gives
 * (dims of size 1 may have any stride, as in PyTorch). A channels-last tensor is not dense in
 * 'contiguous_format'. This libtorch has no operator for it, so the strides are read.
 */
export function isContiguous(a: Tensor, format: MemoryFormat = 'contiguous_format'): boolean {
  const shape = native.shape(a);
  const strides = native.strides(a);
  const rank = format === 'channels_last' ? 4 : format === 'channels_last_3d' ? 5 : shape.length;
  if (shape.length !== rank) return false;
  // Innermost first: C, then W, H, (D), then N for channels-last; the last dim first otherwise.
  const order =
    format === 'contiguous_format'
      ? shape.map((_, i) => rank - 1 - i)
      : [1, ...shape.map((_, i) => rank - 1 - i).filter((d) => d > 1), 0];
  let expected = 1;
  for (const d of order) {
    if ((shape[d] as number) !== 1 && strides[d] !== expected) return false;
    expected *= shape[d] as number;
  }
  return true;
}

export const flatten = (a: Tensor, start = 0, end = -1): Tensor =>
  op('aten::flatten.using_ints', a, start, end);
export const unsqueeze = (a: Tensor, dim: number): Tensor => op('aten::unsqueeze', a, dim);
export const squeeze = (a: Tensor, dim: number): Tensor => op('aten::squeeze.dim', a, dim);
export const expand = (a: Tensor, shape: number[]): Tensor => op('aten::expand', a, shape);
export const repeat = (a: Tensor, times: number[]): Tensor => op('aten::repeat', a, times);

export function cat(ts: Tensor[], dim = 0): Tensor {
  if (ts.length === 0) throw new Error('cat: no tensors given');
  return op('aten::cat', ts, dim);
}

export function stack(ts: Tensor[], dim = 0): Tensor {
  if (ts.length === 0) throw new Error('stack: no tensors given');
  return op('aten::stack', ts, dim);
}

export const split = (a: Tensor, size: number, dim = 0): Tensor[] => ops('aten::split.Tensor', a, size, dim);
export const chunk = (a: Tensor, chunks: number, dim = 0): Tensor[] => ops('aten::chunk', a, chunks, dim);

export const narrow = (a: Tensor, dim: number, start: number, length: number): Tensor =>
  op('aten::narrow', a, dim, start, length);
export const select = (a: Tensor, dim: number, index: number): Tensor =>
  op('aten::select.int', a, dim, index);
export const indexSelect = (a: Tensor, dim: number, index: Tensor): Tensor =>
  op('aten::index_select', a, dim, index);
export const gather = (a: Tensor, dim: number, index: Tensor): Tensor =>
  op('aten::gather', a, dim, index, false);
export const flip = (a: Tensor, dims: number[]): Tensor => op('aten::flip', a, dims);

export type PadMode = 'constant' | 'reflect' | 'replicate' | 'circular';

/** Pads the last dims: [left, right, top, bottom, front, back], as torch.nn.functional.pad. */
export function pad(a: Tensor, widths: number[], mode: PadMode = 'constant', value = 0): Tensor {
  if (widths.length % 2 !== 0) throw new Error(`pad: widths must come in pairs, got ${widths.length}`);
  if (mode === 'constant') return op('aten::constant_pad_nd', a, widths, value);
  const n = widths.length / 2;
  const name = mode === 'reflect' ? 'reflection_pad' : mode === 'replicate' ? 'replication_pad' : '';
  if (!name) return op('aten::_pad_circular', a, widths);
  return op(`aten::${name}${n}d`, a, widths);
}
