// Safetensors headers are untrusted input: every field is checked, by Hugging Face's rules, before a
// byte of tensor data is read. Hand-made bad headers, one per rule, and a seeded fuzz of a real
// checkpoint's header: a load either throws an Error or is exactly right, never a wrong load.
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import * as T from '../../src/torch/index.js';
import { fixture, tempDir } from '../helpers.js';

type Json = unknown;
type Header = Record<string, Json>;

/** A safetensors file from a header (any JSON, or raw text) and a data section. */
function build(header: Header | string, data: Uint8Array, pad = true): Buffer {
  let json = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(head.byteLength));
  return Buffer.concat([len, head, data]);
}

const clone = <V>(v: V): V => JSON.parse(JSON.stringify(v)) as V;
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---------------------------------------------------------------------------------------------
// Hand-made bad headers, one per rule.

// A valid base: 'a' F32 [2,3], 'b' I64 [2], 'c' U8 [4096] (large enough that an offset built by
// string concatenation, dataStart + "0", still lands inside the file), tiled back to back.
const BASE: Header = {
  __metadata__: { format: 'pt' },
  a: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] },
  b: { dtype: 'I64', shape: [2], data_offsets: [24, 40] },
  c: { dtype: 'U8', shape: [4096], data_offsets: [40, 4136] },
};
const BASE_DATA = Uint8Array.from({ length: 4136 }, (_, i) => (i * 37 + 11) & 0xff);

interface BadCase {
  name: string;
  /** The bytes of the file. */
  bytes: () => Buffer;
  /** What the error must mention besides the file (the tensor and field at fault). */
  field: RegExp;
}

function headerCase(name: string, edit: (h: Header) => void, field: RegExp, data = BASE_DATA): BadCase {
  return {
    name,
    field,
    bytes: () => {
      const h = clone(BASE);
      edit(h);
      return build(h, data);
    },
  };
}
const entry = (h: Header, k: string): Record<string, Json> => h[k] as Record<string, Json>;
const setField = (k: string, f: string, v: Json) => (h: Header) => {
  entry(h, k)[f] = v;
};

const BAD: BadCase[] = [
  // The 8-byte header length.
  { name: 'file shorter than 8 bytes', bytes: () => Buffer.from([1, 0, 0]), field: /too short/ },
  {
    name: 'header length past the end of the file',
    bytes: () => {
      const b = build(BASE, BASE_DATA);
      b.writeBigUInt64LE(BigInt(b.length), 0);
      return b;
    },
    field: /header length \d+ runs past the end/,
  },
  {
    name: 'header length over 100 MB',
    bytes: () => {
      const b = build(BASE, BASE_DATA);
      b.writeBigUInt64LE(100_000_001n, 0);
      return b;
    },
    field: /header length 100000001 exceeds the limit/,
  },
  {
    name: 'header length 2^64 - 1',
    bytes: () => {
      const b = build(BASE, BASE_DATA);
      b.writeBigUInt64LE(2n ** 64n - 1n, 0);
      return b;
    },
    field: /exceeds the limit/,
  },
  // The header itself.
  { name: 'header not JSON', bytes: () => build('{"a": {', BASE_DATA), field: /header is not JSON/ },
  { name: 'header a JSON array', bytes: () => build('[1, 2]', BASE_DATA), field: /header does not start/ },
  { name: 'header JSON null', bytes: () => build('null', BASE_DATA), field: /header does not start/ },
  {
    name: 'header not UTF-8',
    bytes: () => {
      const b = build(BASE, BASE_DATA);
      b[b.indexOf('format')] = 0xff;
      return b;
    },
    field: /header is not valid UTF-8/,
  },
  // __metadata__.
  headerCase('__metadata__ a string', (h) => (h.__metadata__ = 'pt'), /__metadata__ must be an object/),
  headerCase('__metadata__ an array', (h) => (h.__metadata__ = ['pt']), /__metadata__ must be an object/),
  headerCase('__metadata__ null', (h) => (h.__metadata__ = null), /__metadata__ must be an object/),
  headerCase('__metadata__ value a number', (h) => (h.__metadata__ = { epoch: 3 }), /__metadata__ 'epoch'/),
  headerCase(
    '__metadata__ value an object',
    (h) => (h.__metadata__ = { format: 'pt', cfg: { lr: '1' } }),
    /__metadata__ 'cfg'/,
  ),
  headerCase('__metadata__ value null', (h) => (h.__metadata__ = { format: null }), /__metadata__ 'format'/),
  // A tensor entry's keys.
  headerCase('entry a number', (h) => (h.b = 7), /tensor 'b': entry must be an object/),
  headerCase('entry an array', (h) => (h.b = ['I64', [2], [24, 40]]), /tensor 'b': entry must be an object/),
  headerCase('entry null', (h) => (h.b = null), /tensor 'b': entry must be an object/),
  headerCase('unknown key', setField('a', 'offsets', [0, 24]), /tensor 'a': key 'offsets' is not allowed/),
  headerCase('missing dtype', (h) => delete entry(h, 'b').dtype, /tensor 'b': dtype is missing/),
  headerCase('missing shape', (h) => delete entry(h, 'b').shape, /tensor 'b': shape is missing/),
  headerCase(
    'missing data_offsets',
    (h) => delete entry(h, 'c').data_offsets,
    /tensor 'c': data_offsets is missing/,
  ),
  // dtype.
  headerCase('dtype unknown', setField('a', 'dtype', 'F8_E4M3'), /tensor 'a': dtype "F8_E4M3" is not one of/),
  headerCase('dtype lower case', setField('a', 'dtype', 'f32'), /tensor 'a': dtype "f32" is not one of/),
  headerCase('dtype an inherited name', setField('a', 'dtype', 'toString'), /tensor 'a': dtype "toString"/),
  headerCase('dtype a number', setField('a', 'dtype', 4), /tensor 'a': dtype must be a string/),
  headerCase('dtype null', setField('a', 'dtype', null), /tensor 'a': dtype must be a string/),
  // shape.
  headerCase('shape a string', setField('a', 'shape', '2,3'), /tensor 'a': shape must be an array/),
  headerCase('shape of strings', setField('a', 'shape', ['2', '3']), /tensor 'a': shape\[0\] must be/),
  headerCase('shape of floats', setField('a', 'shape', [1.5, 4]), /tensor 'a': shape\[0\] must be/),
  headerCase('shape with a float', setField('a', 'shape', [2, 3.0000001]), /tensor 'a': shape\[1\] must be/),
  headerCase('shape negative', setField('a', 'shape', [-2, -3]), /tensor 'a': shape\[0\] must be/),
  headerCase('shape of booleans', setField('b', 'shape', [true, true]), /tensor 'b': shape\[0\] must be/),
  headerCase('shape nested', setField('a', 'shape', [[2, 3]]), /tensor 'a': shape\[0\] must be/),
  headerCase('shape with null', setField('a', 'shape', [2, null]), /tensor 'a': shape\[1\] must be/),
  headerCase('shape beyond 2^53', setField('c', 'shape', [2 ** 53 + 2, 0]), /tensor 'c': shape\[0\] must be/),
  headerCase(
    'shape product beyond 2^53',
    setField('c', 'shape', [2 ** 30, 2 ** 30, 2 ** 30, 0]),
    /tensor 'c': shape .* too many elements/,
  ),
  headerCase(
    'shape bytes beyond 2^53',
    (h) => Object.assign(entry(h, 'b'), { shape: [2 ** 26, 2 ** 26] }),
    /tensor 'b': shape .* too many bytes/,
  ),
  // data_offsets: types.
  headerCase('offsets strings', setField('a', 'data_offsets', ['0', '24']), /tensor 'a': data_offsets\[0\]/),
  headerCase(
    'offsets one string',
    setField('b', 'data_offsets', [24, '40']),
    /tensor 'b': data_offsets\[1\]/,
  ),
  headerCase('offsets floats', setField('a', 'data_offsets', [1.5, 25.5]), /tensor 'a': data_offsets\[0\]/),
  headerCase('offsets true', setField('a', 'data_offsets', [true, 25]), /tensor 'a': data_offsets\[0\]/),
  headerCase('offsets false', setField('a', 'data_offsets', [false, 24]), /tensor 'a': data_offsets\[0\]/),
  headerCase('offsets null', setField('a', 'data_offsets', [null, 24]), /tensor 'a': data_offsets\[0\]/),
  headerCase('offsets negative', setField('a', 'data_offsets', [-1, 23]), /tensor 'a': data_offsets\[0\]/),
  headerCase('offsets a string', setField('a', 'data_offsets', '0,24'), /tensor 'a': data_offsets must be/),
  headerCase('offsets an object', setField('a', 'data_offsets', { 0: 0, 1: 24 }), /tensor 'a': data_offsets/),
  headerCase('offsets one number', setField('a', 'data_offsets', [24]), /tensor 'a': data_offsets must be/),
  headerCase('offsets three numbers', setField('a', 'data_offsets', [0, 24, 48]), /tensor 'a': data_offsets/),
  headerCase('offsets nested', setField('a', 'data_offsets', [[0], [24]]), /tensor 'a': data_offsets\[0\]/),
  headerCase('offsets beyond 2^53', setField('a', 'data_offsets', [2 ** 53, 2 ** 53 + 24]), /tensor 'a'/),
  // data_offsets: values.
  headerCase(
    'offsets reversed',
    setField('b', 'data_offsets', [40, 24]),
    /tensor 'b': data_offsets .* end before/,
  ),
  headerCase(
    'span not the shape size',
    setField('a', 'shape', [2, 4]),
    /tensor 'a': data_offsets .* span 24 bytes/,
  ),
  headerCase(
    'span not the dtype size',
    setField('a', 'dtype', 'F64'),
    /tensor 'a': data_offsets .* needs 48/,
  ),
  headerCase(
    'tensor past the end of the file',
    (h) => Object.assign(entry(h, 'c'), { shape: [4097], data_offsets: [40, 4137] }),
    /tensor 'c': data_offsets \[40,4137\] lie past the end/,
  ),
  headerCase(
    'file truncated',
    () => undefined,
    /tensor 'c': data_offsets \[40,4136\] lie past the end of the 4135-byte/,
    BASE_DATA.subarray(0, 4135),
  ),
  // Layout: overlaps, gaps, trailing bytes.
  headerCase(
    'two tensors overlap',
    (h) => {
      setField('b', 'data_offsets', [16, 32])(h);
      Object.assign(entry(h, 'c'), { shape: [4104], data_offsets: [32, 4136] });
    },
    /tensor 'b': data_offsets \[16,32\] overlap tensor 'a'/,
  ),
  headerCase(
    'two tensors share bytes',
    (h) => {
      h.a2 = clone(h.a);
    },
    /tensor 'a2?': data_offsets \[0,24\] overlap tensor 'a2?'/,
  ),
  headerCase(
    'a gap between tensors',
    (h) => {
      Object.assign(entry(h, 'c'), { shape: [4088], data_offsets: [48, 4136] });
    },
    /tensor 'c': data_offsets \[48,4136\] leave bytes 40..48 unused/,
  ),
  headerCase(
    'a gap before the first tensor',
    (h) => {
      Object.assign(entry(h, 'a'), { dtype: 'I32', shape: [5], data_offsets: [4, 24] });
    },
    /tensor 'a': data_offsets \[4,24\] leave bytes 0..4 unused/,
  ),
  headerCase(
    'trailing bytes',
    () => undefined,
    /8 trailing bytes after the last tensor/,
    new Uint8Array(4144),
  ),
  headerCase('no tensors but data', (h) => (delete h.a, delete h.b, delete h.c), /4136 trailing bytes/),
];

test('each bad safetensors header is refused with an error naming the file and the field', () => {
  const dir = tempDir();
  const path = join(dir, 'bad.safetensors');
  const live = T.native.liveTensors();
  for (const c of BAD) {
    const bytes = c.bytes();
    writeFileSync(path, bytes);
    const want = new RegExp(`^Error: ${escape(path)}: not a valid safetensors file \\(.*${c.field.source}`);
    assert.throws(() => T.loadSafetensors(path), want, `loadSafetensors: ${c.name}`);
    assert.throws(() => T.readSafetensorsHeader(path), want, `readSafetensorsHeader: ${c.name}`);
    assert.throws(
      () => T.decodeSafetensors(bytes, 'mem.safetensors'),
      new RegExp(`^Error: mem\\.safetensors: .*${c.field.source}`),
      `decodeSafetensors: ${c.name}`,
    );
  }
  assert.equal(T.native.liveTensors(), live, 'no tensor is left behind by a refused file');
});

test('the unmodified base header is valid, so each bad case fails for its own reason', () => {
  const { tensors, metadata } = T.decodeSafetensors(build(BASE, BASE_DATA));
  assert.deepEqual(metadata, { format: 'pt' });
  assert.deepEqual(Object.keys(tensors), ['a', 'b', 'c']);
  assert.deepEqual(
    Buffer.from(T.native.toArrayBuffer(tensors.c as T.Tensor)),
    Buffer.from(BASE_DATA.subarray(40)),
  );
  T.dispose(tensors);
});

test('readSafetensorsHeader reads only the header, checked', () => {
  const dir = tempDir();
  // A sparse 64 MB file: the header is read, the data never is.
  const path = join(dir, 'big.safetensors');
  const header: Header = {
    __metadata__: { model: 'unet', input_size: '112x112' },
    w: { dtype: 'BF16', shape: [4, 8 << 20], data_offsets: [0, 64 << 20] },
    z: { dtype: 'F32', shape: [0, 3], data_offsets: [64 << 20, 64 << 20] },
  };
  const head = build(header, new Uint8Array(0));
  writeFileSync(path, head);
  truncateSync(path, head.length + (64 << 20));
  const h = T.readSafetensorsHeader(path);
  assert.deepEqual(h, {
    metadata: { model: 'unet', input_size: '112x112' },
    dataStart: head.length,
    tensors: {
      w: { dtype: 'bfloat16', shape: [4, 8 << 20], begin: 0, end: 64 << 20 },
      z: { dtype: 'float32', shape: [0, 3], begin: 64 << 20, end: 64 << 20 },
    },
  });
  assert.equal(h.dataStart % 8, 0, 'the header was padded to 8 bytes');
  // One byte short: refused without reading the data.
  truncateSync(path, head.length + (64 << 20) - 1);
  assert.throws(
    () => T.readSafetensorsHeader(path),
    /big\.safetensors: .*tensor 'w': data_offsets .* lie past the end/,
  );
  // Not there, or a folder.
  assert.throws(
    () => T.readSafetensorsHeader(join(dir, 'none.safetensors')),
    /cannot read .*none\.safetensors/,
  );
  assert.throws(() => T.readSafetensorsHeader(dir), /not a regular file/);
  // Files written by PyTorch's safetensors pass the same checks.
  const ops = T.readSafetensorsHeader(fixture('torch/fixtures/ops.safetensors'));
  assert.match(ops.metadata.made_by ?? '', /^torch 1\.13/);
  assert.equal(ops.tensors['ce.target']?.dtype, 'int64');
  assert.deepEqual(T.readSafetensorsHeader(fixture('torch/fixtures/seqnet_io.safetensors')).metadata, {});
});

test('tensor names that are Object.prototype keys load as ordinary names', () => {
  const header: Header = {
    __metadata__: { constructor: 'c', __proto__x: 'p' },
    constructor: { dtype: 'U8', shape: [2], data_offsets: [0, 2] },
    toString: { dtype: 'U8', shape: [1], data_offsets: [2, 3] },
  };
  // JSON.parse keeps "__proto__" as an own key; JSON.stringify of an object literal cannot write one.
  const text = JSON.stringify(header).replace(
    /^\{/,
    '{"__proto__":{"dtype":"I8","shape":[1],"data_offsets":[3,4]},',
  );
  const { tensors, metadata } = T.decodeSafetensors(build(text, Uint8Array.from([1, 2, 3, 4])));
  assert.deepEqual(Object.keys(tensors).sort(), ['__proto__', 'constructor', 'toString']);
  assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
  const own = (k: string): T.Tensor => Object.getOwnPropertyDescriptor(tensors, k)?.value as T.Tensor;
  assert.deepEqual(own('__proto__').toArray(), [4]);
  assert.deepEqual(own('constructor').toArray(), [1, 2]);
  assert.equal(Object.getOwnPropertyDescriptor(metadata, 'constructor')?.value, 'c');
  T.dispose(Object.values(tensors));
});

// ---------------------------------------------------------------------------------------------
// Fuzz: mutate a real checkpoint's header and bytes; a load either throws or is exactly right.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ST_DTYPE: Record<string, T.DType> = {
  F64: 'float64',
  F32: 'float32',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};
const ITEM: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

const isNat = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

interface RefTensor {
  dtype: T.DType;
  shape: number[];
  bytes: Buffer;
}

/**
 * The test's own reading of a safetensors file, written plainly and separately from the loader:
 * null when the file breaks a rule, else what each tensor must be.
 */
function reference(
  file: Buffer,
): { tensors: Map<string, RefTensor>; metadata: Record<string, string> } | null {
  if (file.length < 8) return null;
  const n = file.readBigUInt64LE(0);
  if (n > 100_000_000n || n > BigInt(file.length - 8)) return null;
  const start = 8 + Number(n);
  if (file[8] !== 0x7b) return null;
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(file.subarray(8, start)));
  } catch {
    return null;
  }
  if (!isObj(header)) return null;
  const metadata: Record<string, string> = {};
  if (Object.hasOwn(header, '__metadata__')) {
    const m = header.__metadata__;
    if (!isObj(m) || !Object.values(m).every((v) => typeof v === 'string')) return null;
    Object.assign(metadata, m);
  }
  const tensors = new Map<string, RefTensor>();
  const spans: [number, number][] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (!isObj(e) || Object.keys(e).sort().join() !== 'data_offsets,dtype,shape') return null;
    const { dtype, shape, data_offsets: offs } = e;
    if (typeof dtype !== 'string' || !Object.hasOwn(ST_DTYPE, dtype)) return null;
    if (!Array.isArray(shape) || !shape.every(isNat)) return null;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isNat)) return null;
    const [b, end] = offs as [number, number];
    let numel = 1;
    for (const d of shape as number[]) {
      numel *= d;
      if (!Number.isSafeInteger(numel)) return null;
    }
    const size = numel * (ITEM[dtype] as number);
    if (!Number.isSafeInteger(size) || end - b !== size) return null;
    tensors.set(name, {
      dtype: ST_DTYPE[dtype] as T.DType,
      shape: shape as number[],
      bytes: file.subarray(start + b, start + end),
    });
    spans.push([b, end]);
  }
  spans.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let at = 0;
  for (const [b, end] of spans) {
    if (b !== at || end < b) return null;
    at = end;
  }
  if (at !== file.length - start) return null;
  return { tensors, metadata };
}

test('fuzzed checkpoint headers either throw or load exactly right', (t) => {
  const dir = tempDir();
  const path = join(dir, 'fuzz.safetensors');
  const meta = { format: 'pt', model: 'unet', epoch: '3' };
  const originals: Record<string, T.Tensor> = {
    'w.f32': T.randn([3, 4]),
    'idx.i64': T.tensor(new BigInt64Array([7n, -1n, 3n, 1n << 40n, -9n])),
    'h.bf16': T.randn([7], { dtype: 'bfloat16' }),
    'px.u8': T.tensor(Uint8Array.from({ length: 33 }, (_, i) => (i * 29) & 0xff)),
    'd.f64': T.randn([1, 2], { dtype: 'float64' }),
    'm.bool': T.tensor([1, 0, 1], [3], { dtype: 'bool' }),
    'e.empty': T.zeros([0, 3]),
    's.scalar': T.scalar(3.25),
  };
  T.saveSafetensors(path, originals, meta);
  const file = readFileSync(path);
  const n = Number(file.readBigUInt64LE(0));
  const baseHeader = JSON.parse(file.subarray(8, 8 + n).toString('utf8')) as Header;
  const data = file.subarray(8 + n);
  const names = Object.keys(originals).sort();
  const bytesOf = (t: T.Tensor): Buffer => Buffer.from(T.native.toArrayBuffer(t));
  const origBytes = new Map(names.map((k) => [k, bytesOf(originals[k] as T.Tensor)]));

  const rand = mulberry32(0x5afe7e45);
  const int = (k: number): number => Math.floor(rand() * k);
  const pick = <V>(xs: readonly V[]): V => xs[int(xs.length)] as V;
  const ODD: Json[] = ['3', 2.5, -1, true, false, null, [1], {}, 1e20, 2 ** 53, -0, 0];
  const DTYPES: Json[] = [
    ...Object.keys(ST_DTYPE),
    'F8_E4M3',
    'U16',
    'U64',
    'f32',
    'float32',
    '',
    'constructor',
    4,
    null,
  ];

  // Each mutation edits the header in place; `changed` is false only when it provably changed nothing.
  const tensorMutations: ((e: Record<string, Json>, h: Header, name: string) => void)[] = [
    (e) => (e.dtype = pick(DTYPES)),
    (e) => {
      const s = e.shape as Json[];
      if (s.length) s[int(s.length)] = pick([0, 1, 2, 3, 4, 12, (s[0] as number) + 1, (s[0] as number) * 2]);
    },
    (e) => (e.shape as Json[]).splice(int((e.shape as Json[]).length + 1), 1),
    (e) => (e.shape as Json[]).splice(int((e.shape as Json[]).length + 1), 0, pick([1, 1, 0, 2, 3])),
    (e) => {
      const s = e.shape as Json[];
      if (s.length > 1) [s[0], s[s.length - 1]] = [s[s.length - 1], s[0]];
    },
    (e) => {
      const s = e.shape as Json[];
      if (s.length) s[int(s.length)] = pick([String(s[0]), (s[0] as number) + 0.5, true, null, [s[0]], -1]);
    },
    (e) => (e.shape = pick(ODD)),
    (e) => {
      const o = e.data_offsets as Json[];
      const i = int(2);
      o[i] = (o[i] as number) + pick([-8, -4, -2, -1, 1, 2, 4, 8]);
    },
    (e) => {
      const o = e.data_offsets as Json[];
      const i = int(2);
      o[i] = pick([String(o[i]), (o[i] as number) + 0.5, (o[i] as number) - 0.5, true, false, null, [o[i]]]);
    },
    (e) => {
      const o = e.data_offsets as Json[];
      if (rand() < 0.5) o.reverse();
      else o.push(o[1] as number);
    },
    (e) => (e.data_offsets = pick([...ODD, (e.data_offsets as Json[]).join(',')])),
    (e, h) => {
      const other = h[pick(names)];
      if (isObj(other)) [e.data_offsets, other.data_offsets] = [other.data_offsets, e.data_offsets];
    },
    (e) => delete e[pick(['dtype', 'shape', 'data_offsets'])],
    (e) => (e[pick(['offsets', 'extra', 'dtype ', 'Shape'])] = pick(ODD)),
    (_e, h, name) => delete h[name],
    (e, h, name) => (h[name] = pick([...ODD, Object.values(e)])),
    (e, h, name) => {
      delete h[name];
      h[`${name}.renamed`] = e;
    },
    (e, h) => (h[`${pick(names)}.copy`] = clone(e)),
    (e) => {
      // Reshape consistently with the byte size (a different but well-formed header).
      const s = e.shape as number[];
      e.shape = [s.reduce((p, d) => p * d, 1)];
    },
  ];
  const headerMutations: ((h: Header) => void)[] = [
    (h) => {
      const m = h.__metadata__ as Record<string, Json>;
      m[pick(Object.keys(m))] = pick(ODD);
    },
    (h) => ((h.__metadata__ as Record<string, Json>).extra = pick(['x', '', '{"a":1}'])),
    (h) => delete h.__metadata__,
    (h) => (h.__metadata__ = pick(ODD)),
    (h) => (h[pick(['new', '', '__proto__x'])] = { dtype: 'F32', shape: [0], data_offsets: [0, 0] }),
  ];
  // Byte-level mutations of the finished file.
  const fileMutations: ((b: Buffer) => Buffer)[] = [
    (b) => b.subarray(0, int(b.length)),
    (b) => {
      const i = int(8);
      b[i] = (b[i] as number) ^ (1 << int(8));
      return b;
    },
    (b) => {
      b.writeBigUInt64LE(b.readBigUInt64LE(0) + BigInt(pick([-9, -8, -3, -1, 1, 2, 8])), 0);
      return b;
    },
    (b) => {
      const at = 8 + int(Number(b.readBigUInt64LE(0)));
      b[at] = int(256);
      return b;
    },
    (b) => Buffer.concat([b, Buffer.alloc(1 + int(16))]),
  ];

  const live = T.native.liveTensors();
  let threw = 0;
  let loaded = 0;
  let same = 0;
  const ITER = 600;
  for (let it = 0; it < ITER; it++) {
    const h = clone(baseHeader);
    const steps = 1 + int(3);
    let fileStep: ((b: Buffer) => Buffer) | null = null;
    for (let s = 0; s < steps; s++) {
      const r = rand();
      try {
        if (r < 0.7) {
          const name = pick(names);
          const e = h[name];
          if (isObj(e)) pick(tensorMutations)(e, h, name);
        } else if (r < 0.85) pick(headerMutations)(h);
        else fileStep = pick(fileMutations);
      } catch {
        // A mutation that does not apply to what an earlier one left (a shape now null, say).
      }
    }
    let bytes = build(h, data, rand() < 0.8);
    if (fileStep) bytes = fileStep(bytes);
    const ref = reference(bytes);
    const what = `iteration ${it}: ${bytes.subarray(8, 8 + Math.min(400, bytes.length - 8)).toString('latin1')}`;

    // Now and then through a file too: the header-only reader agrees with the full decode.
    let header: T.SafetensorsHeader | Error | undefined;
    if (it % 8 === 0) {
      writeFileSync(path, bytes);
      try {
        header = T.readSafetensorsHeader(path);
      } catch (e) {
        header = e as Error;
      }
    }
    let got: T.SafetensorsFile | undefined;
    let err: unknown;
    try {
      got = T.decodeSafetensors(bytes, 'fuzz.safetensors');
    } catch (e) {
      err = e;
    }
    if (err !== undefined) {
      threw++;
      assert.ok(err instanceof Error, `${what}: threw a non-Error`);
      assert.match(err.message, /^fuzz\.safetensors: /, what);
      assert.equal(ref, null, `${what}: a valid file was refused: ${err.message}`);
      if (header) assert.ok(header instanceof Error, `${what}: readSafetensorsHeader accepted it`);
      continue;
    }
    loaded++;
    const { tensors, metadata } = got as T.SafetensorsFile;
    try {
      // A load happens only for a file that keeps every rule, and it is exactly what the header says.
      assert.ok(ref, `${what}: a file breaking the rules loaded`);
      assert.deepEqual(metadata, ref.metadata, what);
      if (header) {
        assert.ok(!(header instanceof Error), `${what}: readSafetensorsHeader refused it`);
        assert.deepEqual(header.metadata, metadata, what);
        for (const [k, info] of Object.entries(header.tensors)) {
          assert.equal(info.dtype, tensors[k]?.dtype, `${what}: ${k}`);
          assert.deepEqual(info.shape, tensors[k]?.shape, `${what}: ${k}`);
        }
      }
      assert.deepEqual(Object.keys(tensors).sort(), [...ref.tensors.keys()].sort(), what);
      for (const [k, want] of ref.tensors) {
        const t = tensors[k] as T.Tensor;
        assert.equal(t.dtype, want.dtype, `${what}: ${k}`);
        assert.deepEqual(t.shape, want.shape, `${what}: ${k}`);
        assert.ok(
          bytesOf(t).equals(want.bytes),
          `${what}: ${k} holds other bytes than its data_offsets name`,
        );
      }
      // Where the header still says what the writer wrote, the load is the original checkpoint.
      const untouchedFile = fileStep === null;
      if (untouchedFile && JSON.stringify(h) === JSON.stringify(baseHeader)) {
        same++;
        assert.deepEqual(Object.keys(tensors).sort(), names, what);
        assert.deepEqual(metadata, meta, what);
        for (const k of names) {
          const t = tensors[k] as T.Tensor;
          const o = originals[k] as T.Tensor;
          assert.equal(t.dtype, o.dtype, `${what}: ${k}`);
          assert.deepEqual(t.shape, o.shape, `${what}: ${k}`);
          assert.ok(bytesOf(t).equals(origBytes.get(k) as Buffer), `${what}: ${k} values differ`);
        }
      }
      // Only tensors whose header entry is untouched may keep their name.
      for (const k of names) {
        if (untouchedFile && JSON.stringify(h[k]) === JSON.stringify(baseHeader[k]) && k in tensors) {
          assert.ok(bytesOf(tensors[k] as T.Tensor).equals(origBytes.get(k) as Buffer), `${what}: ${k}`);
        }
      }
    } finally {
      T.dispose(tensors);
    }
  }
  T.dispose(originals);
  assert.equal(T.native.liveTensors(), live - names.length, 'every tensor was freed');
  // The fuzz exercised both outcomes.
  assert.ok(threw > ITER / 2, `only ${threw} of ${ITER} mutations were refused`);
  assert.ok(loaded >= 10, `only ${loaded} of ${ITER} mutations loaded`);
  assert.ok(same >= 1, 'no mutation left the header as written');
  t.diagnostic(`${ITER} mutations: ${threw} refused, ${loaded} loaded (${same} with the header as written)`);
});
