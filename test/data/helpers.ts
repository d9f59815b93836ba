// Shared by the data tests: temporary directories and running ffmpeg for fixtures that veil's
// own writer deliberately cannot make (rotated, variable-rate, with audio).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);

// One root-level hook removes every temporary directory when the test file ends (a hook
// registered from inside a `before` would run as soon as that hook finishes).
const made: string[] = [];
after(async () => {
  for (const d of made) await rm(d, { recursive: true, force: true });
});

/** A fresh directory, removed when the test file finishes. */
export async function tempDir(tag = 'data'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `veil-${tag}-`));
  made.push(dir);
  return dir;
}

export async function ffmpeg(...args: string[]): Promise<void> {
  await exec('ffmpeg', ['-nostdin', '-v', 'error', '-y', ...args]);
}

/** Frame t of a small moving test pattern: distinct per frame, per pixel and per channel. */
export function pattern(width: number, height: number, t: number): Uint8Array {
  const f = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      f[i] = (x * 4 + t * 16) & 255;
      f[i + 1] = (y * 5) & 255;
      f[i + 2] = ((x + y) * 3 + t * 40) & 255;
    }
  }
  return f;
}

export function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs((a[i] as number) - (b[i] as number));
  return s / a.length;
}
