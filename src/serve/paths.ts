// A URL's path to a file under a root folder, refusing every way out of it: `..` and `.`
// segments (also percent-encoded, %2e%2e), encoded slashes and backslashes (%2f, %5c), NUL bytes,
// empty segments (`//etc`), hidden names (`.git`), and symlinks whose target lies outside the
// root (the real path is checked, not the spelled one). The raw, still-encoded path is split
// before any decoding, so no decoding step can make a separator appear.
import { realpathSync, statSync, type Stats } from 'node:fs';
import { join, sep } from 'node:path';

import { badRequest, HttpError, notFound } from './http_error.js';

/** The decoded segments of a raw URL path (without its query), or a 400 naming the bad one. */
export function pathSegments(raw: string): string[] {
  if (raw === '') return [];
  return raw.split('/').map((enc) => {
    let s: string;
    try {
      s = decodeURIComponent(enc);
    } catch {
      throw badRequest(`bad percent-encoding in path segment '${enc}'`);
    }
    if (s === '') throw badRequest('empty path segment (// or an absolute path)');
    if (s === '.' || s === '..') throw badRequest(`path segment '${enc}' leaves the folder`);
    if (/[/\\\0]/.test(s)) throw badRequest(`path segment '${enc}' holds a slash, backslash or NUL`);
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(s)) throw badRequest(`path segment '${enc}' holds a control character`);
    if (s.startsWith('.')) throw new HttpError(403, `hidden files are not served ('${enc}')`);
    return s;
  });
}

export interface Resolved {
  /** The real path, inside the root. */
  path: string;
  stats: Stats;
}

/** `root` is a real path (realpathSync'd once by the caller); the answer is inside it or an HttpError. */
export function resolveInside(root: string, segments: readonly string[], what = 'file'): Resolved {
  const spelled = join(root, ...segments);
  let real: string;
  try {
    real = realpathSync(spelled);
  } catch {
    throw notFound(`${what} /${segments.join('/')}`);
  }
  if (real !== root && !real.startsWith(root.endsWith(sep) ? root : root + sep))
    throw new HttpError(403, `${what} /${segments.join('/')} leads outside the served folder`);
  return { path: real, stats: statSync(real) };
}

/** Is `file` (an absolute path) inside the real folder `root`, symlinks resolved? */
export function isInside(root: string, file: string): boolean {
  try {
    const real = realpathSync(file);
    return real === root || real.startsWith(root.endsWith(sep) ? root : root + sep);
  } catch {
    return false;
  }
}
