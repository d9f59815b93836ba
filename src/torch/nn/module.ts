// Module: the base of every network, in PyTorch's image. Children, parameters and buffers are
// found from the object's own properties in assignment order, as nn.Module's __setattr__ records
// them, so `stateDict()` names match PyTorch's dotted names (`layer1.0.conv1.weight`).
import { noGrad } from '../autograd.js';
import type { Device, DType, MemoryFormat } from '../dtype.js';
import { native } from '../native.js';
import { copy_ } from '../ops/math.js';
import { to } from '../ops/creation.js';
import { contiguous } from '../ops/shape.js';
import { isFloating } from '../dtype.js';
import { Tensor } from '../tensor.js';
import { BufferTensor, Parameter } from './parameter.js';

export interface LoadResult {
  missing: string[];
  unexpected: string[];
}

export abstract class Module {
  training = true;

  /** Direct children with their names; arrays of modules are numbered like nn.ModuleList. */
  namedChildren(): [string, Module][] {
    const out: [string, Module][] = [];
    for (const [k, v] of Object.entries(this)) {
      if (v instanceof Module) out.push([k, v]);
      else if (Array.isArray(v) && v.length > 0 && v.every((e) => e instanceof Module)) {
        v.forEach((m: Module, i) => out.push([`${k}.${i}`, m]));
      }
    }
    return out;
  }

  private ownTensors<T>(cls: abstract new (...a: never[]) => T): [string, T][] {
    const out: [string, T][] = [];
    for (const [k, v] of Object.entries(this)) if (v instanceof cls) out.push([k, v]);
    return out;
  }

  namedModules(prefix = ''): [string, Module][] {
    const out: [string, Module][] = [[prefix, this]];
    for (const [k, m] of this.namedChildren()) {
      out.push(...m.namedModules(prefix ? `${prefix}.${k}` : k));
    }
    return out;
  }

  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const [p, m] of this.namedModules()) {
      for (const [k, t] of m.ownTensors(Parameter)) out.push([p ? `${p}.${k}` : k, t]);
    }
    return out;
  }

  namedBuffers(): [string, BufferTensor][] {
    const out: [string, BufferTensor][] = [];
    for (const [p, m] of this.namedModules()) {
      for (const [k, t] of m.ownTensors(BufferTensor)) out.push([p ? `${p}.${k}` : k, t]);
    }
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Number of scalar parameters (trainable and frozen). */
  numParameters(): number {
    return this.parameters().reduce((n, p) => n + p.numel, 0);
  }

  train(on = true): this {
    for (const [, m] of this.namedModules()) m.training = on;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Stops (or restarts) gradient flow into every parameter. */
  freeze(frozen = true): this {
    for (const p of this.parameters()) p.requiresGrad = !frozen;
    return this;
  }

  /** Parameters and buffers by dotted name; the tensors are the module's own (not copies). */
  stateDict(): Record<string, Tensor> {
    const sd: Record<string, Tensor> = {};
    for (const [k, t] of this.namedParameters()) sd[k] = t;
    for (const [k, t] of this.namedBuffers()) sd[k] = t;
    return sd;
  }

  /**
   * Copies values in by name. Strict (the default) throws on a missing or unexpected key;
   * a shape mismatch always throws, naming the key. Values are converted to each tensor's dtype.
   */
  loadStateDict(sd: Record<string, Tensor>, opts: { strict?: boolean } = {}): LoadResult {
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missing = Object.keys(own).filter((k) => !(k in sd));
    const unexpected = Object.keys(sd).filter((k) => !(k in own));
    if (strict && (missing.length || unexpected.length)) {
      const parts = [];
      if (missing.length) parts.push(`missing keys: ${missing.join(', ')}`);
      if (unexpected.length) parts.push(`unexpected keys: ${unexpected.join(', ')}`);
      throw new Error(`loadStateDict(${this.constructor.name}): ${parts.join('; ')}`);
    }
    for (const [k, dst] of Object.entries(own)) {
      const src = sd[k];
      if (!src) continue;
      const a = dst.shape;
      const b = src.shape;
      if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
        throw new Error(
          `loadStateDict(${this.constructor.name}): '${k}' has shape [${b.join(', ')}], the model expects [${a.join(', ')}]`,
        );
      }
    }
    noGrad(() => {
      for (const [k, dst] of Object.entries(own)) {
        const src = sd[k];
        if (src) copy_(dst, src).dispose();
      }
    });
    return { missing, unexpected };
  }

  /** Drops every parameter's gradient (PyTorch 2's set_to_none default). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /**
   * Where the module lives: its first parameter's (or buffer's) device, 'cpu' for one with neither.
   * What a batch that meets the module must be moved to.
   */
  get device(): Device {
    const first = Object.values(this.stateDict())[0];
    return (first?.device ?? 'cpu') as Device;
  }

  /**
   * Moves every parameter and buffer to a device, casts the floating-point ones to a dtype, or
   * lays out the 4-D (`channels_last`) or 5-D (`channels_last_3d`) ones in that memory format, as
   * PyTorch's `module.to(memory_format=...)`: convolutions whose weight is channels-last run
   * oneDNN's NHWC kernels and hand their layout on to the layers after them. In place: the same
   * Parameter objects stay registered with optimizers, as in PyTorch.
   */
  to(target: Device | DType | { memoryFormat: MemoryFormat }): this {
    noGrad(() => {
      for (const t of Object.values(this.stateDict())) {
        const moved = Module.#moved(t, target);
        if (!moved) continue;
        native.setData(t, moved);
        moved.dispose();
      }
    });
    return this;
  }

  static #moved(t: Tensor, target: Device | DType | { memoryFormat: MemoryFormat }): Tensor | null {
    if (typeof target === 'object') {
      const rank =
        target.memoryFormat === 'channels_last' ? 4 : target.memoryFormat === 'channels_last_3d' ? 5 : 0;
      if (rank !== 0 && t.ndim !== rank) return null;
      return contiguous(t, target.memoryFormat);
    }
    const isDevice = target === 'cpu' || target.startsWith('cuda');
    if (!isDevice && !isFloating(t.dtype)) return null;
    return to(t, target);
  }

  /** Frees every parameter and buffer. */
  dispose(): void {
    for (const t of Object.values(this.stateDict())) t.dispose();
  }
}

/** Children applied in order, named 0, 1, 2, ... as nn.Sequential. */
export class Sequential extends Module {
  readonly #layers: Module[];
  constructor(...layers: Module[]) {
    super();
    this.#layers = layers;
  }
  override namedChildren(): [string, Module][] {
    return this.#layers.map((m, i) => [String(i), m]);
  }
  get layers(): readonly Module[] {
    return this.#layers;
  }
  forward(x: Tensor): Tensor {
    let y = x;
    for (const m of this.#layers) {
      const f = (m as unknown as { forward(t: Tensor): Tensor }).forward;
      if (typeof f !== 'function') throw new Error(`Sequential: ${m.constructor.name} has no forward(x)`);
      y = f.call(m, y);
    }
    return y;
  }
}
