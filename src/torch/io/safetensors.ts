// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian bytes. Read and written here
// byte for byte as Hugging Face's `safetensors` library does.
import { readFileSync } from 'node:fs';

import type { DType } from '../dtype.js';
import { native } from '../native.js';
import type { Tensor } from '../tensor.js';
import { writeFileAtomic } from './atomic.js';

const TO_ST: Record<DType, string> = {
  float64: 'F64',
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_ST = Object.fromEntries(Object.entries(TO_ST).map(([k, v]) => [v, k])) as Record<string, DType>;
const SIZE: Record<DType, number> = {
  float64: 8,
  float32: 4,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

/** Serialises tensors (sorted by name, as the reference writer does) into one buffer list. */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): Uint8Array[] {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name] as Tensor;
    const bytes = new Uint8Array(native.toArrayBuffer(t));
    header[name] = {
      dtype: TO_ST[t.dtype],
      shape: t.shape,
      data_offsets: [offset, offset + bytes.byteLength],
    };
    blobs.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8); // the reference pads the header to 8 bytes
  const head = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.byteLength));
  return [len, head, ...blobs];
}

export function saveSafetensors(
  path: string,
  tensors: Record<string, Tensor>,
  metadata: Record<string, string> = {},
): void {
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new Error(`saveSafetensors(${path}): metadata '${k}' must be a string`);
  }
  writeFileAtomic(path, encodeSafetensors(tensors, metadata));
}

/** Parses safetensors bytes; `source` names the file in errors. */
export function decodeSafetensors(buf: Uint8Array, source = 'safetensors data'): SafetensorsFile {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a valid safetensors file (${why})`);
  };
  if (buf.byteLength < 8) fail(`${buf.byteLength} bytes, too short for a header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > buf.byteLength - 8 || n > 100_000_000) fail(`header of ${n} bytes in a file of ${buf.byteLength}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, n).toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch (e) {
    return fail(`header is not JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not an object');
  const dataStart = 8 + n;
  const dataLen = buf.byteLength - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: Record<string, Tensor> = {};
  try {
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const info = raw as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
      const dtype = FROM_ST[info.dtype ?? ''];
      if (!dtype) fail(`tensor '${name}' has unsupported dtype ${String(info.dtype)}`);
      const shape = info.shape;
      const offs = info.data_offsets;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0))
        fail(`tensor '${name}' has a bad shape`);
      if (!Array.isArray(offs) || offs.length !== 2) fail(`tensor '${name}' has bad data_offsets`);
      const [b, e] = offs as [number, number];
      const want = (shape as number[]).reduce((a, d) => a * d, 1) * SIZE[dtype as DType];
      if (!(b >= 0 && e >= b && e <= dataLen)) fail(`tensor '${name}' lies outside the file (truncated?)`);
      if (e - b !== want) fail(`tensor '${name}' has ${e - b} bytes, its shape needs ${want}`);
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset + dataStart + b, e - b);
      tensors[name] = native.fromBytes(bytes, shape as number[], dtype as DType) as Tensor;
    }
  } catch (e) {
    for (const t of Object.values(tensors)) t.dispose();
    throw e;
  }
  return { tensors, metadata };
}

export function loadSafetensors(path: string): SafetensorsFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  return decodeSafetensors(buf, path);
}
