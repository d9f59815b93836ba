// Calls an ATen operator by schema name ("aten::conv2d" or "aten::add.Tensor") through the
// addon's boxed dispatcher. Operator handles are looked up once and cached.
import { native } from './native.js';
import type { Tensor } from './tensor.js';

const handles = new Map<string, number>();

function handle(name: string): number {
  let h = handles.get(name);
  if (h === undefined) {
    const dot = name.indexOf('.');
    h = dot < 0 ? native.op(name, '') : native.op(name.slice(0, dot), name.slice(dot + 1));
    handles.set(name, h);
  }
  return h;
}

/** Raw call: arguments in schema order, `undefined` for a default; tensors in and out as Tensors. */
export function callOp(name: string, ...args: unknown[]): unknown {
  return native.call(handle(name), args);
}

/** A call whose single result is a tensor. */
export function op(name: string, ...args: unknown[]): Tensor {
  return callOp(name, ...args) as Tensor;
}

/** A call returning several tensors (max.dim, adaptive_max_pool2d, ...). */
export function ops(name: string, ...args: unknown[]): Tensor[] {
  return callOp(name, ...args) as Tensor[];
}

export function schemaOf(name: string): string {
  return native.schema(handle(name));
}
