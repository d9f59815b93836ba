// The closed-form weights of the fixtures, bit for bit as test/models/fixtures/make_fixtures.py
// makes them: every value comes from an integer hash of the tensor's name and index, so the
// big reference networks need no committed weights.
import { copy_, noGrad, tensor, type nn, type Tensor } from '../../src/torch/index.js';

function fnv1a(name: string): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(name, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h;
}

/** n values in [-1, 1) (float32), a murmur3-style finaliser of index * golden + hash(name). */
export function uniform(name: string, n: number): Float32Array {
  const seed = fnv1a(name);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let h = (Math.imul(i, 0x9e3779b1) + seed) >>> 0;
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
    out[i] = (h >>> 0) / 2147483648 - 1;
  }
  return out;
}

const f = Math.fround;

function valueFor(name: string, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const u = uniform(name, n);
  const leaf = name.slice(name.lastIndexOf('.') + 1);
  let map: (v: number) => number;
  if (leaf === 'running_var') map = (v) => f(1 + f(0.25 * f(v + 1)));
  else if (leaf === 'running_mean' || leaf === 'bias') map = (v) => f(f(0.1) * v);
  else if (shape.length === 1) map = (v) => f(1 + f(f(0.2) * v));
  else {
    const scale = f(Math.sqrt(6 / shape.slice(1).reduce((a, b) => a * b, 1)));
    map = (v) => f(scale * v);
  }
  for (let i = 0; i < n; i++) u[i] = map(u[i] as number);
  return u;
}

/** Overwrites every parameter and buffer of `m` with the fixture fill. */
export function fill(m: nn.Module): void {
  noGrad(() => {
    for (const [k, t] of Object.entries(m.stateDict())) {
      if (k.endsWith('num_batches_tracked')) continue; // zero already
      const v = tensor(valueFor(k, t.shape), t.shape);
      copy_(t, v).dispose();
      v.dispose();
    }
  });
}

/** A test input in [0, 1), as the fixture script makes it. */
export function testInput(shape: number[], salt: string): Tensor {
  const u = uniform(
    salt,
    shape.reduce((a, b) => a * b, 1),
  ).map((v) => f(f(v * 0.5) + 0.5));
  return tensor(u, shape);
}
