// Deterministic release of native memory. Tensors made inside tidy() are freed when it returns,
// except those it returns (found anywhere in arrays and plain objects) or keep()s. Whatever
// escapes every scope is freed by dispose(), or at last by V8's GC through the addon's finalizer.
export interface Disposable {
  dispose(): void;
  readonly isDisposed: boolean;
}

const scopes: Set<Disposable>[] = [];

export function track<T extends Disposable>(t: T): T {
  const top = scopes[scopes.length - 1];
  if (top) top.add(t);
  return t;
}

/** Takes t out of every open scope, so it outlives them (parameters, caches). */
export function keep<T extends Disposable>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}

function collect(v: unknown, out: Set<Disposable>, seen: Set<unknown>): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (typeof (v as Disposable).dispose === 'function' && 'isDisposed' in (v as object)) {
    out.add(v as Disposable);
    return;
  }
  if (Array.isArray(v)) {
    for (const e of v) collect(e, out, seen);
  } else if (v instanceof Map) {
    for (const e of v.values()) collect(e, out, seen);
  } else if (Object.getPrototypeOf(v) === Object.prototype) {
    for (const e of Object.values(v)) collect(e, out, seen);
  }
}

/** Runs fn synchronously and frees every tensor it made but those in its result. */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<Disposable>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  if (result instanceof Promise) {
    throw new Error('tidy() takes a synchronous function; await outside it and tidy each step');
  }
  const kept = new Set<Disposable>();
  collect(result, kept, new Set());
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) {
      if (parent) parent.add(t);
    } else {
      t.dispose();
    }
  }
  return result;
}

/** Frees every tensor found in v (arrays and plain objects are searched). */
export function dispose(v: unknown): void {
  const all = new Set<Disposable>();
  collect(v, all, new Set());
  for (const t of all) t.dispose();
}
