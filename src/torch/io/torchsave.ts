// PyTorch's torch.save format (a zip of a pickle and raw storages), read and written through
// libtorch's own pickler, so torchvision, Kinetics and users' checkpoints load as they are.
import { readFileSync } from 'node:fs';

import { native, type NativeValue } from '../native.js';
import { Tensor } from '../tensor.js';
import { writeFileAtomic } from './atomic.js';
import { decodeSafetensors } from './safetensors.js';

export type Loaded = Tensor | number | boolean | string | null | Loaded[] | { [key: string]: Loaded };

function lift(v: NativeValue): Loaded {
  if (v instanceof native.NativeTensor) return new Tensor(v);
  if (Array.isArray(v)) return v.map(lift);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, lift(e)]));
  }
  return v;
}

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
}

/** Whatever torch.save stored: tensors, dicts, lists, numbers and strings. */
export function loadTorch(path: string): Loaded {
  const buf = read(path);
  if (buf.byteLength < 4 || buf[0] !== 0x50 || buf[1] !== 0x4b) {
    throw new Error(`${path}: not a PyTorch zip checkpoint (legacy pre-1.6 torch.save files are not supported; re-save with torch.save)`);
  }
  try {
    return lift(native.pickleLoad(buf));
  } catch (e) {
    throw new Error(`${path}: cannot load PyTorch checkpoint: ${(e as Error).message}`);
  }
}

/** A checkpoint that torch.load reads back as a dict of tensors. */
export function saveTorch(path: string, tensors: Record<string, Tensor>): void {
  const natives = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.native]));
  writeFileAtomic(path, [native.pickleSave(natives)]);
}

/**
 * A flat name -> tensor dict from a safetensors or torch.save file. Common wrappers are
 * unwrapped (`state_dict`, `model`); `prefix` (e.g. "module.") is stripped from every name.
 */
export function loadStateDictFile(path: string, opts: { prefix?: string } = {}): Record<string, Tensor> {
  const buf = read(path);
  let root: Loaded;
  if (buf.byteLength >= 2 && buf[0] === 0x50 && buf[1] === 0x4b) root = loadTorch(path);
  else root = decodeSafetensors(buf, path).tensors;
  for (const key of ['state_dict', 'model', 'model_state_dict']) {
    if (root && typeof root === 'object' && !(root instanceof Tensor) && !Array.isArray(root) && key in root) {
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
