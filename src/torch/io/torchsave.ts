// PyTorch's torch.save format: a zip holding a pickle (`data.pkl`) and one raw file per storage,
// or, from torch < 1.6 (torchvision's Kinetics-400 video weights, pytorch-resnet3d's I3D), the
// legacy format: pickles one after another, then the storages' bytes. Read in TypeScript with an
// allow-list pickle machine (no code runs), written through libtorch's own pickler;
// torchvision, Kinetics and users' checkpoints load as they are.
import { readFileSync } from 'node:fs';

import type { DType } from '../dtype.js';
import { op } from '../dispatch.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { writeFileAtomic } from './atomic.js';
import {
  type PickleHooks,
  PyDict,
  PyForeign,
  PyGlobal,
  PyOpaque,
  PyTuple,
  unpickle,
  unpickleAt,
  type PyValue,
} from './pickle.js';
import { decodeSafetensors } from './safetensors.js';
import { readZip } from './zip.js';

export type Loaded = Tensor | number | boolean | string | null | Loaded[] | { [key: string]: Loaded };

/** Storage class -> dtype and bytes per element. */
const STORAGE_DTYPES: Record<string, [DType, number]> = {
  FloatStorage: ['float32', 4],
  DoubleStorage: ['float64', 8],
  HalfStorage: ['float16', 2],
  BFloat16Storage: ['bfloat16', 2],
  LongStorage: ['int64', 8],
  IntStorage: ['int32', 4],
  ShortStorage: ['int16', 2],
  CharStorage: ['int8', 1],
  ByteStorage: ['uint8', 1],
  BoolStorage: ['bool', 1],
};

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

const isZip = (b: Uint8Array): boolean => b.byteLength >= 4 && b[0] === 0x50 && b[1] === 0x4b;
/** The legacy format opens with pickle protocol 2 and a 10-byte LONG1: its magic number. */
const isLegacy = (b: Uint8Array): boolean =>
  b.byteLength >= 4 && b[0] === 0x80 && b[1] === 0x02 && b[2] === 0x8a && b[3] === 0x0a;
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

function toLoaded(v: PyValue): Loaded {
  if (v instanceof PyForeign) return v.value as Tensor;
  if (v instanceof PyDict) {
    const o: Record<string, Loaded> = {};
    for (const [k, e] of v.map) o[String(k)] = toLoaded(e);
    return o;
  }
  if (v instanceof PyTuple) return v.items.map(toLoaded);
  if (Array.isArray(v)) return v.map(toLoaded);
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof PyGlobal || v instanceof PyOpaque || v instanceof Uint8Array) return null;
  return v;
}

function ints(v: PyValue, what: string): number[] {
  const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : null;
  if (!items || !items.every((x) => typeof x === 'number')) throw new Error(`${what} is not a tuple of ints`);
  return items as number[];
}

/** A storage persistent id, ('storage', class, key, location, numel, ...) in both formats. */
function storageId(pid: PyValue, path: string): { key: string; dtype: DType; size: number } {
  const [kind, cls, key] = pid instanceof PyTuple ? pid.items : [];
  if (kind !== 'storage' || !(cls instanceof PyGlobal) || typeof key !== 'string')
    throw new Error(`${path}: unknown persistent id in the pickle`);
  const t = STORAGE_DTYPES[cls.name];
  if (!t) throw new Error(`${path}: storage type ${cls.qualified} is not supported`);
  return { key, dtype: t[0], size: t[1] };
}

/** Hooks that rebuild tensors from storages whose bytes `bytesOf` finds by key. */
function tensorHooks(
  path: string,
  bytesOf: (key: string) => Uint8Array,
  made: Tensor[],
  storages: Map<string, Tensor>,
): PickleHooks {
  return {
    persistentLoad(pid) {
      const { key, dtype, size } = storageId(pid, path);
      let s = storages.get(key);
      if (!s) {
        const bytes = bytesOf(key);
        s = native.fromBytes(bytes, [bytes.byteLength / size], dtype) as Tensor;
        made.push(s);
        storages.set(key, s);
      }
      return new PyForeign(s);
    },
    reduce(fn, args) {
      switch (fn.qualified) {
        case 'collections.OrderedDict':
          return new PyDict();
        case 'torch._utils._rebuild_tensor_v2':
        case 'torch._utils._rebuild_tensor': {
          const [storage, offset, size, stride] = args;
          if (!(storage instanceof PyForeign)) throw new Error(`${path}: tensor without storage`);
          const view = op(
            'aten::as_strided',
            storage.value,
            ints(size ?? null, 'size'),
            ints(stride ?? null, 'stride'),
            offset,
          );
          const t = op('aten::clone', view, 'contiguous_format');
          view.dispose();
          made.push(t);
          return new PyForeign(t);
        }
        case 'torch._utils._rebuild_parameter':
        case 'torch.jit._pickle.restore_type_tag': // libtorch's own writer tags typed containers
        case 'torch.jit._pickle.build_intlist':
        case 'torch.jit._pickle.build_tensorlist':
        case 'torch.jit._pickle.build_doublelist':
        case 'torch.jit._pickle.build_boollist':
          return args[0] ?? null;
        default:
          return undefined;
      }
    },
  };
}

/** The zip format: data.pkl, and each storage in data/<key>. */
function readZipCheckpoint(
  buf: Uint8Array,
  path: string,
  hooks: (bytesOf: (key: string) => Uint8Array) => PickleHooks,
): PyValue {
  const entries = readZip(buf, path);
  const pkl = [...entries.keys()].find((k) => k.endsWith('data.pkl'));
  if (!pkl) throw new Error(`${path}: no data.pkl inside; not a torch.save checkpoint`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const bytesOf = (key: string): Uint8Array => {
    const entry = entries.get(`${prefix}data/${key}`);
    if (!entry) throw new Error(`${path}: storage ${key} is missing from the archive`);
    return entry.read();
  };
  return unpickle((entries.get(pkl) as { read(): Uint8Array }).read(), hooks(bytesOf), path);
}

/**
 * The legacy format (torch < 1.6, or _use_new_zipfile_serialization=False): pickles of the magic
 * number, the protocol version, the system's byte order, the object, the storage keys in order;
 * then per storage an int64 element count and its bytes. The object is read twice: first to learn
 * each storage's dtype (and so where the next one starts), then to rebuild its tensors.
 */
function readLegacyCheckpoint(
  buf: Uint8Array,
  path: string,
  hooks: (bytesOf: (key: string) => Uint8Array) => PickleHooks,
): PyValue {
  // Containers only: enough to walk the pickles without making a tensor.
  const reduce = (fn: PyGlobal): PyValue | undefined =>
    fn.qualified === 'collections.OrderedDict' ? new PyDict() : undefined;
  const plain: PickleHooks = { persistentLoad: () => null, reduce };
  let p = 0;
  const next = (h: PickleHooks = plain): PyValue => {
    const r = unpickleAt(buf, h, path, p);
    p = r.end;
    return r.value;
  };
  if (next() !== LEGACY_MAGIC) throw new Error(`${path}: not a PyTorch checkpoint (bad magic number)`);
  next(); // the protocol version (1001)
  const sys = next();
  if (sys instanceof PyDict && sys.map.get('little_endian') === false)
    throw new Error(`${path}: written on a big-endian machine; not supported`);
  const objectAt = p;
  const sizes = new Map<string, number>();
  next({
    persistentLoad(pid) {
      const { key, size } = storageId(pid, path);
      sizes.set(key, size);
      return null;
    },
    reduce,
  });
  const keys = next();
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string'))
    throw new Error(`${path}: the storage key list is not a list of strings`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const at = new Map<string, Uint8Array>();
  for (const key of keys as string[]) {
    const size = sizes.get(key);
    if (size === undefined) throw new Error(`${path}: storage ${key} is listed but never used`);
    if (p + 8 > buf.byteLength) throw new Error(`${path}: truncated before storage ${key}`);
    const bytes = Number(dv.getBigInt64(p, true)) * size;
    if (bytes < 0 || p + 8 + bytes > buf.byteLength) throw new Error(`${path}: storage ${key} is truncated`);
    at.set(key, buf.subarray(p + 8, p + 8 + bytes));
    p += 8 + bytes;
  }
  p = objectAt;
  return next(
    hooks((key) => {
      const b = at.get(key);
      if (!b) throw new Error(`${path}: storage ${key} is missing`);
      return b;
    }),
  );
}

/** Whatever torch.save stored: tensors, dicts, lists, numbers and strings (other objects: null). */
export function loadTorch(path: string): Loaded {
  const buf = read(path);
  if (!isZip(buf) && !isLegacy(buf))
    throw new Error(`${path}: not a PyTorch checkpoint (neither torch.save's zip nor its legacy format)`);
  const made: Tensor[] = [];
  const storages = new Map<string, Tensor>();
  try {
    const hooks = (bytesOf: (key: string) => Uint8Array): PickleHooks =>
      tensorHooks(path, bytesOf, made, storages);
    const value = isZip(buf) ? readZipCheckpoint(buf, path, hooks) : readLegacyCheckpoint(buf, path, hooks);
    for (const s of storages.values()) s.dispose();
    return toLoaded(value);
  } catch (e) {
    for (const t of made) t.dispose();
    const msg = (e as Error).message;
    throw new Error(msg.includes(path) ? msg : `${path}: cannot load PyTorch checkpoint: ${msg}`);
  }
}

/** A checkpoint that torch.load reads back as a dict of tensors. */
export function saveTorch(path: string, tensors: Record<string, Tensor>): void {
  writeFileAtomic(path, [native.pickleSave(tensors)]);
}

/**
 * A flat name -> tensor dict from a safetensors or torch.save file. Common wrappers are
 * unwrapped (`state_dict`, `model`); `prefix` (e.g. "module.") is stripped from every name.
 */
export function loadStateDictFile(path: string, opts: { prefix?: string } = {}): Record<string, Tensor> {
  const buf = read(path);
  let root: Loaded = isZip(buf) || isLegacy(buf) ? loadTorch(path) : decodeSafetensors(buf, path).tensors;
  for (const key of ['state_dict', 'model', 'model_state_dict']) {
    if (
      root &&
      typeof root === 'object' &&
      !(root instanceof Tensor) &&
      !Array.isArray(root) &&
      key in root
    ) {
      root = (root as Record<string, Loaded>)[key] as Loaded;
    }
  }
  if (!root || typeof root !== 'object' || root instanceof Tensor || Array.isArray(root)) {
    throw new Error(`${path}: holds no dict of tensors`);
  }
  const out: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(root)) {
    if (!(v instanceof Tensor)) continue;
    out[opts.prefix && k.startsWith(opts.prefix) ? k.slice(opts.prefix.length) : k] = v;
  }
  return out;
}
