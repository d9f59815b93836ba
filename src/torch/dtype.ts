// Element types and the TypedArrays that carry them across the JS boundary.
export type DType =
  'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

export type Device = 'cpu' | 'cuda' | `cuda:${number}`;

/**
 * How a 4-D or 5-D tensor lays its elements out: PyTorch's default (N, C, [D,] H, W) order, or
 * channels last (NHWC / NDHWC), where oneDNN's convolutions often run faster on the CPU.
 */
export type MemoryFormat = 'contiguous_format' | 'channels_last' | 'channels_last_3d';

/** `s` as a Device ('cpu', 'cuda', 'cuda:N' with N a non-negative integer), or null. */
export function parseDevice(s: string): Device | null {
  return s === 'cpu' || /^cuda(:(0|[1-9][0-9]*))?$/.test(s) ? (s as Device) : null;
}

export type TypedArray =
  Float32Array | Float64Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

export const DTYPES: readonly DType[] = [
  'float32',
  'float64',
  'float16',
  'bfloat16',
  'int64',
  'int32',
  'int16',
  'int8',
  'uint8',
  'bool',
];

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  return 'uint8';
}

/** A view of raw bytes as the TypedArray of a dtype (float16/bfloat16 have none: callers convert). */
export function arrayOf(d: DType, buf: ArrayBuffer): TypedArray {
  switch (d) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int64':
      return new BigInt64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'int16':
      return new Int16Array(buf);
    case 'int8':
      return new Int8Array(buf);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buf);
    default:
      throw new Error(`no TypedArray holds ${d}; convert with .to('float32') first`);
  }
}

export function assertDType(d: string, what: string): DType {
  if (!(DTYPES as readonly string[]).includes(d)) {
    throw new Error(`${what}: unknown dtype '${d}' (expected one of ${DTYPES.join(', ')})`);
  }
  return d as DType;
}
