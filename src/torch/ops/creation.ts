// Tensors from values and constants. dtype defaults to float32, as in PyTorch.
import { assertDType, dtypeOfArray, type Device, type DType, type TypedArray } from '../dtype.js';
import { op } from '../dispatch.js';
import { native } from '../native.js';
import type { Tensor, Shape } from '../tensor.js';

export interface CreateOptions {
  dtype?: DType;
  device?: Device;
}

function checkShape(shape: Shape, what: string): number[] {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${what}: shape [${shape.join(', ')}] must hold non-negative integers`);
    }
  }
  return [...shape];
}

function numelOf(shape: Shape): number {
  return shape.reduce((a, b) => a * b, 1);
}

function toTyped(values: ArrayLike<number>, dtype: DType): TypedArray {
  switch (dtype) {
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(Array.from(values), (v) => BigInt(Math.trunc(v)));
    case 'int32':
      return Int32Array.from(values);
    case 'int16':
      return Int16Array.from(values);
    case 'int8':
      return Int8Array.from(values);
    case 'uint8':
      return Uint8Array.from(values);
    case 'bool':
      return Uint8Array.from(values, (v) => (v ? 1 : 0));
    default:
      return Float32Array.from(values);
  }
}

/**
 * A tensor holding a copy of `values`. A TypedArray keeps its own dtype unless one is given;
 * a number array becomes float32. Shape defaults to 1-D.
 */
export function tensor(
  values: TypedArray | ArrayLike<number> | number,
  shape?: Shape,
  opts: CreateOptions = {},
): Tensor {
  if (typeof values === 'number') return full(shape ?? [], values, opts);
  const isTyped = ArrayBuffer.isView(values);
  const natural: DType = isTyped ? dtypeOfArray(values as TypedArray) : 'float32';
  const dtype = opts.dtype ? assertDType(opts.dtype, 'tensor') : natural;
  const s = checkShape(shape ?? [values.length], 'tensor');
  if (numelOf(s) !== values.length) {
    throw new Error(`tensor: ${values.length} values cannot have shape [${s.join(', ')}]`);
  }
  const host =
    isTyped && (natural === dtype || (dtype === 'bool' && values instanceof Uint8Array))
      ? (values as TypedArray)
      : toTyped(
          values instanceof BigInt64Array ? Array.from(values, Number) : (values as ArrayLike<number>),
          dtype === 'float16' || dtype === 'bfloat16' ? 'float32' : dtype,
        );
  const hostDType = dtype === 'float16' || dtype === 'bfloat16' ? 'float32' : dtype;
  let t = native.fromBytes(host, s, hostDType) as Tensor;
  if (hostDType !== dtype) t = to(t, dtype);
  if (opts.device && opts.device !== 'cpu') t = toDevice(t, opts.device);
  return t;
}

/**
 * Host data onto a device: through pinned (page-locked) memory and a non-blocking copy when the
 * target is a GPU, so the copy overlaps with the work already queued there (libtorch's host
 * allocator keeps the pinned buffer alive until the copy is done); a plain move otherwise.
 */
function toDevice(t: Tensor, device: Device): Tensor {
  if (!device.startsWith('cuda') || t.device !== 'cpu') return to(t, device);
  const pinned = op('aten::pin_memory', t, null);
  try {
    return op('aten::to.device', pinned, device, t.dtype, true);
  } finally {
    pinned.dispose();
    t.dispose();
  }
}

export function scalar(v: number, dtype: DType = 'float32'): Tensor {
  return full([], v, { dtype });
}

export function zeros(shape: Shape, opts: CreateOptions = {}): Tensor {
  return op('aten::zeros', checkShape(shape, 'zeros'), opts.dtype ?? 'float32', null, opts.device ?? null);
}

export function ones(shape: Shape, opts: CreateOptions = {}): Tensor {
  return op('aten::ones', checkShape(shape, 'ones'), opts.dtype ?? 'float32', null, opts.device ?? null);
}

export function empty(shape: Shape, opts: CreateOptions = {}): Tensor {
  return op(
    'aten::empty.memory_format',
    checkShape(shape, 'empty'),
    opts.dtype ?? 'float32',
    null,
    opts.device ?? null,
  );
}

export function full(shape: Shape, value: number, opts: CreateOptions = {}): Tensor {
  return op(
    'aten::full',
    checkShape(shape, 'full'),
    value,
    opts.dtype ?? 'float32',
    null,
    opts.device ?? null,
  );
}

export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const [a, b] = end === undefined ? [0, start] : [start, end];
  return op('aten::arange.start_step', a, b, step, opts.dtype ?? 'float32', null, opts.device ?? null);
}

export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  return op('aten::linspace', start, end, steps, opts.dtype ?? 'float32', null, opts.device ?? null);
}

export function eye(n: number, opts: CreateOptions = {}): Tensor {
  return op('aten::eye', n, opts.dtype ?? 'float32', null, opts.device ?? null);
}

export function zerosLike(t: Tensor): Tensor {
  return op('aten::zeros_like', t);
}

export function onesLike(t: Tensor): Tensor {
  return op('aten::ones_like', t);
}

export function fullLike(t: Tensor, value: number): Tensor {
  return op('aten::full_like', t, value);
}

/** Converts dtype or moves to a device; returns the same values as a new handle when unchanged. */
export function to(t: Tensor, target: DType | Device): Tensor {
  if (target === 'cpu' || target.startsWith('cuda')) {
    return op('aten::to.device', t, target, t.dtype);
  }
  return op('aten::to.dtype', t, assertDType(target, 'to'));
}

export function clone(t: Tensor): Tensor {
  return op('aten::clone', t);
}

export function detach(t: Tensor): Tensor {
  return op('aten::detach', t);
}
