// A small seeded PRNG (sfc32, seeded through splitmix32) so that everything random in the data
// path (SynthPAR, clip starts, augmentations, shuffles) is reproducible without libtorch, in any
// thread. Streams are derived from a seed and a path of keys, never from shared state, which is
// what makes the loader's output independent of how many workers it uses.

/** 32-bit hash of a list of numbers and strings (FNV-1a over the parts, then avalanche). */
export function hashSeed(...parts: (number | string)[]): number {
  let h = 0x811c9dc5;
  const mix = (v: number): void => {
    h = Math.imul(h ^ (v & 0xff), 0x01000193);
    h = Math.imul(h ^ ((v >>> 8) & 0xff), 0x01000193);
    h = Math.imul(h ^ ((v >>> 16) & 0xff), 0x01000193);
    h = Math.imul(h ^ (v >>> 24), 0x01000193);
  };
  for (const p of parts) {
    if (typeof p === 'number') {
      mix(p >>> 0);
      mix(Math.floor(p / 0x100000000) >>> 0);
    } else {
      for (let i = 0; i < p.length; i++) mix(p.charCodeAt(i));
      mix(0xfeedbeef);
    }
  }
  return avalanche(h);
}

/** A bijective integer finaliser (from murmur3): neighbouring inputs give unrelated outputs. */
export function avalanche(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(...seed: (number | string)[]) {
    let s = hashSeed(...seed);
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      return avalanche(s);
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  /** An independent stream keyed by this stream's next draw and the given keys. */
  fork(...keys: (number | string)[]): Rng {
    return new Rng(this.u32(), ...keys);
  }

  /** A stream in this one's state, going on independently: the same draws from here. */
  clone(): Rng {
    const r = Object.create(Rng.prototype) as Rng;
    r.a = this.a;
    r.b = this.b;
    r.c = this.c;
    r.d = this.d;
    return r;
  }

  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 0x100000000;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** Integer uniform in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.float() * (hi - lo + 1));
  }

  bool(p = 0.5): boolean {
    return this.float() < p;
  }

  normal(): number {
    const u = 1 - this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.float());
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: empty list');
    return items[Math.floor(this.float() * items.length)] as T;
  }

  /** A random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      const t = p[i] as number;
      p[i] = p[j] as number;
      p[j] = t;
    }
    return p;
  }
}
