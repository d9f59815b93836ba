// The functional layer: convolutions, normalisation, activations, pooling, resampling.
// Signatures follow torch.nn.functional; numbers where PyTorch takes `int or tuple` are expanded.
import { op, ops } from '../dispatch.js';
import type { Tensor } from '../tensor.js';
import { div, clamp } from './math.js';
import { norm } from './reduce.js';

type IntOrTuple = number | number[];

export interface ConvOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  groups?: number;
}

export const conv2d = (x: Tensor, w: Tensor, b: Tensor | null = null, o: ConvOptions = {}): Tensor =>
  convolution('aten::conv2d', x, w, b, o);

export const conv3d = (x: Tensor, w: Tensor, b: Tensor | null = null, o: ConvOptions = {}): Tensor =>
  convolution('aten::conv3d', x, w, b, o);

/**
 * A strided 1x1 convolution (a ResNet shortcut) runs as a stride-1 one on the input's every
 * stride-th pixel: the same products (output and input gradient bit for bit in float32, the
 * weight gradient's sums in another order). libtorch 1.13's oneDNN (2.6.3)
 * corrupts the heap in the bfloat16 weight gradient of a strided 1x1 convolution in channels-last
 * (e.g. 8 -> 16 channels, stride 2, 8 images of 112x112: "double free or corruption", in PyTorch
 * 1.13 as well); the stride-1 kernel is sound. test/torch/conv_stride.test.ts runs that case.
 */
function convolution(name: string, x: Tensor, w: Tensor, b: Tensor | null, o: ConvOptions): Tensor {
  const direct = (): Tensor =>
    op(name, x, w, b, o.stride ?? 1, o.padding ?? 0, o.dilation ?? 1, o.groups ?? 1);
  // Most convolutions are stride 1: decided from the options alone, without asking for w's shape.
  const strided = Array.isArray(o.stride) ? o.stride.some((s) => s > 1) : (o.stride ?? 1) > 1;
  if (!strided) return direct();
  const shape = w.shape;
  const each = (v: IntOrTuple | undefined, d: number): number[] =>
    Array.isArray(v) ? v : Array<number>(shape.length - 2).fill(v ?? d);
  const stride = each(o.stride, 1);
  if (!shape.slice(2).every((k) => k === 1) || !each(o.padding, 0).every((p) => p === 0)) return direct();
  let sub = x;
  stride.forEach((s, i) => {
    if (s === 1) return;
    const next = op('aten::slice.Tensor', sub, 2 + i, 0, null, s);
    if (sub !== x) sub.dispose();
    sub = next;
  });
  try {
    return op(name, sub, w, b, 1, 0, 1, o.groups ?? 1);
  } finally {
    if (sub !== x) sub.dispose();
  }
}

export interface ConvTransposeOptions extends ConvOptions {
  outputPadding?: IntOrTuple;
}

export const convTranspose2d = (
  x: Tensor,
  w: Tensor,
  b: Tensor | null = null,
  o: ConvTransposeOptions = {},
): Tensor =>
  op(
    'aten::conv_transpose2d.input',
    x,
    w,
    b,
    o.stride ?? 1,
    o.padding ?? 0,
    o.outputPadding ?? 0,
    o.groups ?? 1,
    o.dilation ?? 1,
  );

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  training: boolean;
  momentum?: number;
  eps?: number;
}

/** In training mode the running statistics are updated in place, as PyTorch does. */
export const batchNorm = (x: Tensor, o: BatchNormOptions): Tensor =>
  op(
    'aten::batch_norm',
    x,
    o.weight ?? null,
    o.bias ?? null,
    o.runningMean ?? null,
    o.runningVar ?? null,
    o.training,
    o.momentum ?? 0.1,
    o.eps ?? 1e-5,
    true,
  );

export const groupNorm = (
  x: Tensor,
  groups: number,
  w: Tensor | null,
  b: Tensor | null,
  eps = 1e-5,
): Tensor => op('aten::group_norm', x, groups, w, b, eps, true);

export const relu = (x: Tensor): Tensor => op('aten::relu', x);
export const relu_ = (x: Tensor): Tensor => op('aten::relu_', x);
export const leakyRelu = (x: Tensor, slope = 0.01): Tensor => op('aten::leaky_relu', x, slope);
export const sigmoid = (x: Tensor): Tensor => op('aten::sigmoid', x);
export const tanh = (x: Tensor): Tensor => op('aten::tanh', x);
export const gelu = (x: Tensor): Tensor => op('aten::gelu', x, 'none');
export const silu = (x: Tensor): Tensor => op('aten::silu', x);
export const softmax = (x: Tensor, dim: number): Tensor => op('aten::softmax.int', x, dim, null);
export const logSoftmax = (x: Tensor, dim: number): Tensor => op('aten::log_softmax.int', x, dim, null);

export interface PoolOptions {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  ceilMode?: boolean;
}

// An empty stride list means "same as the kernel", as in PyTorch.
export const maxPool2d = (x: Tensor, k: IntOrTuple, o: PoolOptions = {}): Tensor =>
  op('aten::max_pool2d', x, k, o.stride ?? [], o.padding ?? 0, 1, o.ceilMode ?? false);
export const maxPool3d = (x: Tensor, k: IntOrTuple, o: PoolOptions = {}): Tensor =>
  op('aten::max_pool3d', x, k, o.stride ?? [], o.padding ?? 0, 1, o.ceilMode ?? false);
export const avgPool2d = (x: Tensor, k: IntOrTuple, o: PoolOptions = {}): Tensor =>
  op('aten::avg_pool2d', x, k, o.stride ?? [], o.padding ?? 0, o.ceilMode ?? false, true, null);
export const avgPool3d = (x: Tensor, k: IntOrTuple, o: PoolOptions = {}): Tensor =>
  op('aten::avg_pool3d', x, k, o.stride ?? [], o.padding ?? 0, o.ceilMode ?? false, true, null);
export const adaptiveAvgPool2d = (x: Tensor, size: IntOrTuple): Tensor =>
  op('aten::adaptive_avg_pool2d', x, size);
export const adaptiveAvgPool3d = (x: Tensor, size: IntOrTuple): Tensor =>
  op('aten::adaptive_avg_pool3d', x, size);
export const adaptiveMaxPool2d = (x: Tensor, size: IntOrTuple): Tensor => {
  const [values, indices] = ops('aten::adaptive_max_pool2d', x, size) as [Tensor, Tensor];
  indices.dispose();
  return values;
};
export const adaptiveMaxPool3d = (x: Tensor, size: IntOrTuple): Tensor => {
  const [values, indices] = ops('aten::adaptive_max_pool3d', x, size) as [Tensor, Tensor];
  indices.dispose();
  return values;
};

export interface InterpolateOptions {
  size?: number[];
  scaleFactor?: number | number[];
  mode: 'nearest' | 'bilinear' | 'trilinear';
  alignCorners?: boolean;
}

/** Resamples the spatial dims of (N,C,H,W) or (N,C,T,H,W), as F.interpolate. */
export function interpolate(x: Tensor, o: InterpolateOptions): Tensor {
  const spatial = x.ndim - 2;
  if (!o.size === (o.scaleFactor === undefined)) {
    throw new Error('interpolate: give exactly one of size and scaleFactor');
  }
  const scales =
    o.scaleFactor === undefined
      ? null
      : Array.isArray(o.scaleFactor)
        ? o.scaleFactor
        : new Array<number>(spatial).fill(o.scaleFactor);
  const size = o.size ?? null;
  if (o.mode === 'nearest') {
    if (spatial === 1) return op('aten::upsample_nearest1d.vec', x, size, scales);
    if (spatial === 2) return op('aten::upsample_nearest2d.vec', x, size, scales);
    return op('aten::upsample_nearest3d.vec', x, size, scales);
  }
  if (o.mode === 'bilinear') {
    if (spatial !== 2) throw new Error(`interpolate: bilinear needs a 4-D input, got ${x.ndim}-D`);
    return op('aten::upsample_bilinear2d.vec', x, size, o.alignCorners ?? false, scales);
  }
  if (spatial !== 3) throw new Error(`interpolate: trilinear needs a 5-D input, got ${x.ndim}-D`);
  return op('aten::upsample_trilinear3d.vec', x, size, o.alignCorners ?? false, scales);
}

export const dropout = (x: Tensor, p: number, training: boolean): Tensor =>
  op('aten::dropout', x, p, training);

/** x / max(||x||_p, eps) along dim, as F.normalize. */
export function normalize(x: Tensor, dim = 1, p = 2, eps = 1e-12): Tensor {
  const n = norm(x, p, dim, true);
  const d = clamp(n, eps);
  n.dispose();
  const out = div(x, d);
  d.dispose();
  return out;
}
