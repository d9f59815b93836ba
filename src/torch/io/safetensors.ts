// The safetensors format: an 8-byte little-endian header length, a JSON header naming each
// tensor's dtype, shape and byte range, then the raw little-endian bytes. Read and written here
// byte for byte as Hugging Face's `safetensors` library does.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

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

/** Hugging Face's limit on the JSON header (`MAX_HEADER_SIZE` in the reference reader). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** One tensor's entry in a safetensors header, checked. */
export interface SafetensorsTensorInfo {
  dtype: DType;
  shape: number[];
  /** Byte range [begin, end) within the data section, which starts at `dataStart` in the file. */
  begin: number;
  end: number;
}

/** A safetensors header, fully validated: the tensor entries tile the data section exactly. */
export interface SafetensorsHeader {
  metadata: Record<string, string>;
  tensors: Record<string, SafetensorsTensorInfo>;
  /** Where the data section starts in the file: 8 + the header's length. */
  dataStart: number;
}

/** Sets an own property, so that a name such as `__proto__` stays an ordinary key. */
function put<V>(obj: Record<string, V>, key: string, value: V): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
};

const TENSOR_KEYS = ['dtype', 'shape', 'data_offsets'];

/**
 * Parses and validates the header of safetensors bytes, by the rules of Hugging Face's reader: an
 * 8-byte little-endian length within the file and at most 100 MB; a UTF-8 JSON object; an optional
 * `__metadata__` mapping strings to strings; every other entry exactly { dtype, shape, data_offsets }
 * with a known dtype, a shape of non-negative integers and two non-negative integer offsets whose
 * span is the shape's byte size; and the tensors, sorted by offset, covering the data section back
 * to back from its first byte to the end of the file. `buf` holds the file, or at least its first
 * 8 + header-length bytes when `fileSize` gives the whole file's size. `source` names the file in
 * errors. Throws an Error naming the file and the offending tensor and field.
 */
export function parseSafetensorsHeader(
  buf: Uint8Array,
  source = 'safetensors data',
  fileSize: number = buf.byteLength,
): SafetensorsHeader {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a valid safetensors file (${why})`);
  };
  if (fileSize < 8 || buf.byteLength < 8) fail(`${fileSize} bytes, too short for a header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n64 = view.getBigUint64(0, true);
  if (n64 > BigInt(SAFETENSORS_MAX_HEADER_BYTES))
    fail(`header length ${n64} exceeds the limit of ${SAFETENSORS_MAX_HEADER_BYTES} bytes`);
  const n = Number(n64);
  if (8 + n > fileSize) fail(`header length ${n} runs past the end of a file of ${fileSize} bytes`);
  if (8 + n > buf.byteLength) fail(`only ${buf.byteLength} bytes given of a ${8 + n}-byte header`);
  if (n === 0 || buf[8] !== 0x7b) fail(`header does not start with '{'`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + n));
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(`header is not JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(header)) return fail('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = fileSize - dataStart;

  const metadata: Record<string, string> = {};
  if (Object.hasOwn(header, '__metadata__')) {
    const meta = header.__metadata__;
    if (!isPlainObject(meta)) fail(`__metadata__ must be an object of strings, got ${show(meta)}`);
    for (const [k, v] of Object.entries(meta as Record<string, unknown>)) {
      if (typeof v !== 'string') fail(`__metadata__ '${k}' must be a string, got ${show(v)}`);
      put(metadata, k, v as string);
    }
  }

  const tensors: Record<string, SafetensorsTensorInfo> = {};
  const spans: { name: string; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const bad = (field: string, why: string): never => fail(`tensor '${name}': ${field} ${why}`);
    if (!isPlainObject(raw)) return bad('entry', `must be an object, got ${show(raw)}`);
    for (const k of Object.keys(raw))
      if (!TENSOR_KEYS.includes(k)) bad(`key '${k}'`, 'is not allowed (only dtype, shape, data_offsets)');
    for (const k of TENSOR_KEYS) if (!Object.hasOwn(raw, k)) bad(k, 'is missing');

    const st = raw.dtype;
    if (typeof st !== 'string') return bad('dtype', `must be a string, got ${show(st)}`);
    if (!Object.hasOwn(FROM_ST, st))
      bad('dtype', `${show(st)} is not one of ${Object.keys(FROM_ST).join(', ')}`);
    const dtype = FROM_ST[st] as DType;

    const shape = raw.shape;
    if (!Array.isArray(shape)) return bad('shape', `must be an array, got ${show(shape)}`);
    let numel = 1;
    shape.forEach((d: unknown, i) => {
      if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0)
        bad(`shape[${i}]`, `must be a non-negative integer, got ${show(d)}`);
      numel *= d as number;
      if (numel > Number.MAX_SAFE_INTEGER) bad('shape', `${show(shape)} has too many elements`);
    });
    const bytes = numel * SIZE[dtype];
    if (bytes > Number.MAX_SAFE_INTEGER) bad('shape', `${show(shape)} has too many bytes`);

    const offs = raw.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2)
      return bad('data_offsets', `must be an array of two integers, got ${show(offs)}`);
    offs.forEach((o: unknown, i) => {
      if (typeof o !== 'number' || !Number.isSafeInteger(o) || o < 0)
        bad(`data_offsets[${i}]`, `must be a non-negative integer, got ${show(o)}`);
    });
    const [begin, end] = offs as [number, number];
    if (begin > end) bad('data_offsets', `${show(offs)} end before they begin`);
    if (end > dataLen)
      bad('data_offsets', `${show(offs)} lie past the end of the ${dataLen}-byte data section (truncated?)`);
    if (end - begin !== bytes)
      bad(
        'data_offsets',
        `${show(offs)} span ${end - begin} bytes, ${st} shape ${show(shape)} needs ${bytes}`,
      );
    put(tensors, name, { dtype, shape: (shape as number[]).slice(), begin, end });
    spans.push({ name, begin, end });
  }

  // As the reference reader: sorted by offsets, each tensor starts where the previous one ended and
  // the last one ends at the end of the file — no overlaps, no gaps, no trailing bytes.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let prev = '';
  for (const s of spans) {
    if (s.begin < at) fail(`tensor '${s.name}': data_offsets [${s.begin},${s.end}] overlap tensor '${prev}'`);
    if (s.begin > at)
      fail(`tensor '${s.name}': data_offsets [${s.begin},${s.end}] leave bytes ${at}..${s.begin} unused`);
    at = s.end;
    prev = s.name;
  }
  if (at !== dataLen)
    fail(`${dataLen - at} trailing bytes after the last tensor's data_offsets end at ${at}`);
  return { metadata, tensors, dataStart };
}

/** Reads and validates only the header of a safetensors file (its first 8 + n bytes); no tensors load. */
export function readSafetensorsHeader(file: string): SafetensorsHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new Error(`${file}: not a safetensors file (not a regular file)`);
    const readAll = (into: Buffer, from: number): void => {
      let got = from;
      while (got < into.byteLength) {
        const k = readSync(fd, into, got, into.byteLength - got, got);
        if (k === 0) break;
        got += k;
      }
      if (got < into.byteLength)
        throw new Error(`${file}: not a valid safetensors file (file shrank while read)`);
    };
    const size = st.size;
    const len = Buffer.alloc(Math.min(8, size));
    readAll(len, 0);
    if (size < 8) return parseSafetensorsHeader(len, file, size); // throws: too short
    const n = len.readBigUInt64LE(0);
    // Too long a header, or one past the file's end: let the parser say so without reading it.
    if (n > BigInt(Math.min(SAFETENSORS_MAX_HEADER_BYTES, size - 8)))
      return parseSafetensorsHeader(len, file, size);
    const buf = Buffer.alloc(8 + Number(n));
    len.copy(buf);
    readAll(buf, 8);
    return parseSafetensorsHeader(buf, file, size);
  } finally {
    closeSync(fd);
  }
}

/** Parses safetensors bytes; `source` names the file in errors. The header is validated first. */
export function decodeSafetensors(buf: Uint8Array, source = 'safetensors data'): SafetensorsFile {
  const { metadata, tensors: infos, dataStart } = parseSafetensorsHeader(buf, source);
  const tensors: Record<string, Tensor> = {};
  try {
    for (const [name, { dtype, shape, begin, end }] of Object.entries(infos)) {
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset + dataStart + begin, end - begin);
      put(tensors, name, native.fromBytes(bytes, shape, dtype) as Tensor);
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
