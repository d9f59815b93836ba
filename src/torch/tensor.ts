// The Tensor: one libtorch tensor seen from TypeScript. Its values live in native memory; the
// methods below are conveniences that forward to the typed operator wrappers in ops/.
import { arrayOf, type Device, type DType, type MemoryFormat, type TypedArray } from './dtype.js';
import { native, type TensorRef } from './native.js';
import * as F from './ops/index.js';
import { track, type Disposable } from './scope.js';

export type Shape = readonly number[];

// The last resort for tensors nobody disposed: their slot is freed after V8 collects them.
const orphans = new FinalizationRegistry<number>((slot) => native.free(slot));

export class Tensor implements Disposable, TensorRef {
  /** This tensor's entry in the addon's tensor table; -1 once disposed. */
  slot: number;

  constructor(slot: number) {
    this.slot = slot;
    orphans.register(this, slot, this);
    track(this);
  }

  // --- metadata -------------------------------------------------------------------------------
  get shape(): number[] {
    return native.shape(this);
  }
  get dtype(): DType {
    return native.dtype(this) as DType;
  }
  get device(): Device {
    return native.device(this) as Device;
  }
  get ndim(): number {
    return native.shape(this).length;
  }
  get numel(): number {
    return native.numel(this);
  }
  size(dim: number): number {
    const s = this.shape;
    const d = dim < 0 ? dim + s.length : dim;
    if (d < 0 || d >= s.length) {
      throw new RangeError(`size(${dim}): tensor of shape [${s.join(', ')}] has no such dim`);
    }
    return s[d] as number;
  }
  get isDisposed(): boolean {
    return this.slot < 0;
  }
  /** Frees the native values now (they stay alive while a view or the autograd graph uses them). */
  dispose(): void {
    if (this.slot < 0) return;
    orphans.unregister(this);
    native.free(this.slot);
    this.slot = -1;
  }
  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}], dtype=${this.dtype}, device=${this.device})`;
  }

  // --- values ---------------------------------------------------------------------------------
  /** A copy of the values, row-major, in the dtype's TypedArray (float16/bfloat16 as float32). */
  data(): TypedArray {
    const d = this.dtype;
    if (d === 'float16' || d === 'bfloat16') {
      const f = F.to(this, 'float32');
      try {
        return f.data();
      } finally {
        f.dispose();
      }
    }
    return arrayOf(d, native.toArrayBuffer(this));
  }
  /** The values as plain numbers (int64 converted, exactly below 2^53). */
  toArray(): number[] {
    const a = this.data();
    return a instanceof BigInt64Array ? Array.from(a, Number) : Array.from(a as ArrayLike<number>);
  }
  item(): number {
    return Number(native.item(this));
  }

  // --- autograd -------------------------------------------------------------------------------
  get requiresGrad(): boolean {
    return native.requiresGrad(this);
  }
  set requiresGrad(on: boolean) {
    native.setRequiresGrad(this, on);
  }
  requiresGrad_(on = true): this {
    native.setRequiresGrad(this, on);
    return this;
  }
  /** The accumulated gradient, or null. Each call returns a new handle to the same values. */
  get grad(): Tensor | null {
    return native.grad(this) as Tensor | null;
  }
  set grad(g: Tensor | null) {
    native.setGrad(this, g);
  }
  get isLeaf(): boolean {
    return native.isLeaf(this);
  }
  get gradFn(): string | null {
    return native.gradFn(this);
  }
  backward(grad?: Tensor, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    native.backward(this, grad ?? null, opts.retainGraph ?? false, opts.createGraph ?? false);
  }
  detach(): Tensor {
    return F.detach(this);
  }

  // --- conversions ----------------------------------------------------------------------------
  to(target: DType | Device): Tensor {
    return F.to(this, target);
  }
  float(): Tensor {
    return F.to(this, 'float32');
  }
  clone(): Tensor {
    return F.clone(this);
  }
  contiguous(format?: MemoryFormat): Tensor {
    return F.contiguous(this, format);
  }

  // --- shape ----------------------------------------------------------------------------------
  view(...shape: number[]): Tensor {
    return F.view(this, shape);
  }
  reshape(...shape: number[]): Tensor {
    return F.reshape(this, shape);
  }
  permute(...dims: number[]): Tensor {
    return F.permute(this, dims);
  }
  transpose(d0: number, d1: number): Tensor {
    return F.transpose(this, d0, d1);
  }
  flatten(start = 0, end = -1): Tensor {
    return F.flatten(this, start, end);
  }
  unsqueeze(dim: number): Tensor {
    return F.unsqueeze(this, dim);
  }
  squeeze(dim: number): Tensor {
    return F.squeeze(this, dim);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return F.narrow(this, dim, start, length);
  }
  expand(...shape: number[]): Tensor {
    return F.expand(this, shape);
  }

  // --- arithmetic -----------------------------------------------------------------------------
  add(o: Tensor | number): Tensor {
    return F.add(this, o);
  }
  sub(o: Tensor | number): Tensor {
    return F.sub(this, o);
  }
  mul(o: Tensor | number): Tensor {
    return F.mul(this, o);
  }
  div(o: Tensor | number): Tensor {
    return F.div(this, o);
  }
  neg(): Tensor {
    return F.neg(this);
  }
  pow(e: Tensor | number): Tensor {
    return F.pow(this, e);
  }
  sqrt(): Tensor {
    return F.sqrt(this);
  }
  exp(): Tensor {
    return F.exp(this);
  }
  log(): Tensor {
    return F.log(this);
  }
  abs(): Tensor {
    return F.abs(this);
  }
  clamp(min: number | null, max?: number | null): Tensor {
    return F.clamp(this, min, max ?? null);
  }
  matmul(o: Tensor): Tensor {
    return F.matmul(this, o);
  }

  // --- reductions -----------------------------------------------------------------------------
  sum(dim?: number | number[], keepdim = false): Tensor {
    return F.sum(this, dim, keepdim);
  }
  mean(dim?: number | number[], keepdim = false): Tensor {
    return F.mean(this, dim, keepdim);
  }
  argmax(dim?: number, keepdim = false): Tensor {
    return F.argmax(this, dim, keepdim);
  }
}

native.setTensorFactory((slot) => new Tensor(slot), 'slot');
