// PyTorch's torch.save format: a zip holding a pickle (`data.pkl`) and one raw file per storage.
// Read in TypeScript with an allow-list pickle machine (no code runs), written through libtorch's
// own pickler; torchvision, Kinetics and users' checkpoints load as they are.
import { readFileSync } from 'node:fs';

import type { DType } from '../dtype.js';
import { op } from '../dispatch.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { writeFileAtomic } from './atomic.js';
import { PyDict, PyForeign, PyGlobal, PyOpaque, PyTuple, unpickle, type PyValue } from './pickle.js';
import { decodeSafetensors } from './safetensors.js';
import { readZip } from './zip.js';

export type Loaded = Tensor | number | boolean | string | null | Loaded[] | { [key: string]: Loaded };

const STORAGE_DTYPES: Record<string, DType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
};

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

const isZip = (b: Uint8Array): boolean => b.byteLength >= 4 && b[0] === 0x50 && b[1] === 0x4b;

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

/** Whatever torch.save stored: tensors, dicts, lists, numbers and strings (other objects: null). */
export function loadTorch(path: string): Loaded {
  const buf = read(path);
  if (!isZip(buf)) {
    throw new Error(
      `${path}: not a PyTorch zip checkpoint (files from torch < 1.6 or with _use_new_zipfile_serialization=False: re-save them with torch.save)`,
    );
  }
  const made: Tensor[] = [];
  try {
    const entries = readZip(buf, path);
    const pkl = [...entries.keys()].find((k) => k.endsWith('data.pkl'));
    if (!pkl) throw new Error(`${path}: no data.pkl inside; not a torch.save checkpoint`);
    const prefix = pkl.slice(0, -'data.pkl'.length);
    const storages = new Map<string, Tensor>();
    const value = unpickle(
      (entries.get(pkl) as { read(): Uint8Array }).read(),
      {
        persistentLoad(pid) {
          const t = pid instanceof PyTuple ? pid.items : [];
          const [kind, cls, key, , numel] = t;
          if (kind !== 'storage' || !(cls instanceof PyGlobal) || typeof key !== 'string') {
            throw new Error(`${path}: unknown persistent id in the pickle`);
          }
          const dtype = STORAGE_DTYPES[cls.name];
          if (!dtype) throw new Error(`${path}: storage type ${cls.qualified} is not supported`);
          let s = storages.get(key);
          if (!s) {
            const entry = entries.get(`${prefix}data/${key}`);
            if (!entry) throw new Error(`${path}: storage ${key} is missing from the archive`);
            const bytes = entry.read();
            const n = typeof numel === 'number' ? numel : 0;
            s = native.fromBytes(bytes, [n], dtype) as Tensor;
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
      },
      path,
    );
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
  let root: Loaded = isZip(buf) ? loadTorch(path) : decodeSafetensors(buf, path).tensors;
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
