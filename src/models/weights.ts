// Weight interop with PyTorch: a state dict (torch.save zip or safetensors) goes in by name,
// strict unless asked otherwise; veil writes safetensors with the same names, which
// `model.load_state_dict(safetensors.torch.load_file(path))` reads back in PyTorch.
import { loadStateDictFile, loadTorch, saveSafetensors, Tensor, type nn } from '../torch/index.js';

export interface LoadOptions {
  /** Missing or unexpected names are errors (the default); a shape mismatch always is. */
  strict?: boolean;
  /** Stripped from the front of every source name (e.g. 'module.' of DataParallel). */
  prefix?: string;
  /** Load into this submodule (e.g. 'encoder' of UNet++) rather than the whole network. */
  into?: string;
  /** Source names starting with any of these are dropped first (e.g. 'fc.' of an ImageNet ResNet). */
  skip?: readonly string[];
  /** Name prefixes rewritten before loading, in order: [from, to]. */
  rename?: readonly (readonly [string, string])[];
  /** For a torch.save file holding several state dicts (TeD-SPAD's 'fa_model_state_dict'). */
  entry?: string;
}

export interface LoadReport {
  loaded: string[];
  /** Expected by the network but absent from the source: left as they were. */
  missing: string[];
  /** In the source but not in the network: ignored. */
  unexpected: string[];
  /** Dropped by `skip`. */
  skipped: string[];
}

function readFile(path: string, entry: string | undefined): Record<string, Tensor> {
  if (!entry) return loadStateDictFile(path);
  const root = loadTorch(path);
  const sd =
    root && typeof root === 'object' && !(root instanceof Tensor) && !Array.isArray(root)
      ? root[entry]
      : null;
  if (!sd || typeof sd !== 'object' || sd instanceof Tensor || Array.isArray(sd)) {
    throw new Error(`${path}: has no state dict under '${entry}'`);
  }
  return Object.fromEntries(Object.entries(sd).filter((e): e is [string, Tensor] => e[1] instanceof Tensor));
}

function submodule(model: nn.Module, path: string): nn.Module {
  const found = model.namedModules().find(([n]) => n === path);
  if (!found) throw new Error(`loadWeights: the network has no submodule '${path}'`);
  return found[1];
}

/** Copies a state dict (a file path or name -> tensor) into `model` by name. */
export function loadWeights(
  model: nn.Module,
  source: string | Record<string, Tensor>,
  opts: LoadOptions = {},
): LoadReport {
  const raw = typeof source === 'string' ? readFile(source, opts.entry) : source;
  try {
    const sd: Record<string, Tensor> = {};
    const skipped: string[] = [];
    for (const [key, t] of Object.entries(raw)) {
      let k = opts.prefix && key.startsWith(opts.prefix) ? key.slice(opts.prefix.length) : key;
      for (const [from, to] of opts.rename ?? []) if (k.startsWith(from)) k = to + k.slice(from.length);
      if (opts.skip?.some((s) => k.startsWith(s))) skipped.push(k);
      else sd[k] = t;
    }
    const target = opts.into ? submodule(model, opts.into) : model;
    const { missing, unexpected } = target.loadStateDict(sd, { strict: opts.strict ?? true });
    const loaded = Object.keys(sd).filter((k) => !unexpected.includes(k));
    return { loaded, missing, unexpected, skipped };
  } finally {
    if (typeof source === 'string') for (const t of Object.values(raw)) t.dispose();
  }
}

/** Writes the network's parameters and buffers as safetensors, under PyTorch's names. */
export function saveWeights(model: nn.Module, path: string, metadata: Record<string, string> = {}): void {
  saveSafetensors(path, model.stateDict(), metadata);
}

/** A one-line account of a non-strict load, for logs. */
export function describeLoad(r: LoadReport): string {
  const list = (xs: string[]): string =>
    xs.length > 4 ? `${xs.slice(0, 4).join(', ')}, ... (${xs.length})` : xs.join(', ');
  const parts = [`loaded ${r.loaded.length} tensors`];
  if (r.missing.length) parts.push(`left as initialised: ${list(r.missing)}`);
  if (r.unexpected.length) parts.push(`ignored: ${list(r.unexpected)}`);
  if (r.skipped.length) parts.push(`skipped: ${list(r.skipped)}`);
  return parts.join('; ');
}

/**
 * Starts a network from a pre-trained backbone (the field's Kinetics-400 / ImageNet start, e.g.
 * torchvision's r3d_18 or resnet50 `.pth`): every tensor but the head `fc`, which the new task
 * re-learns; with `head`, the head too (an SSL backbone whose projection head goes on with the
 * same NT-Xent task). Everything else is strict: each missing, unexpected or mis-shaped key is
 * named, so a backbone of another architecture cannot half-load.
 */
export function loadBackbone(model: nn.Module, path: string, o: { head?: boolean } = {}): LoadReport {
  const body = (k: string): boolean => o.head === true || !k.startsWith('fc.');
  const raw = readFile(path, undefined); // its errors name the file
  try {
    const own = model.stateDict();
    const src = Object.fromEntries(Object.entries(raw).filter(([k]) => body(k)));
    const shape = (t: Tensor): string => `[${t.shape.join(', ')}]`;
    const missing = Object.keys(own).filter((k) => body(k) && !(k in src));
    const unexpected = Object.keys(src).filter((k) => !(k in own));
    const misShaped = Object.keys(src)
      .filter((k) => k in own && shape(src[k] as Tensor) !== shape(own[k] as Tensor))
      .map((k) => `${k} (file ${shape(src[k] as Tensor)}, network ${shape(own[k] as Tensor)})`);
    const wrong = [
      missing.length ? `missing: ${missing.join(', ')}` : '',
      unexpected.length ? `unexpected: ${unexpected.join(', ')}` : '',
      misShaped.length ? `wrong shape: ${misShaped.join(', ')}` : '',
    ].filter(Boolean);
    if (wrong.length) throw new Error(`${path}: not a backbone of this network (${wrong.join('; ')})`);
    const r = loadWeights(model, src, { strict: false });
    return { ...r, skipped: Object.keys(raw).filter((k) => !body(k)) };
  } finally {
    for (const t of Object.values(raw)) t.dispose();
  }
}
