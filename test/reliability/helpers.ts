// Shared by the reliability tests: `veil` run as a user runs it (a real process, real files),
// and a file's fingerprint, to show that what veil must not touch is byte for byte unchanged.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ROOT } from '../helpers.js';

export const VEIL = join(ROOT, 'bin', 'veil.js');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `veil ...` to completion, with `stdin` piped in from a file when given. */
export function veil(args: string[], o: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Result> {
  const child = spawn(process.execPath, [VEIL, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (b: Buffer) => (out += b.toString()));
  child.stderr.on('data', (b: Buffer) => (err += b.toString()));
  if (o.stdin) createReadStream(o.stdin).pipe(child.stdin);
  else child.stdin.end();
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout: out, stderr: err })));
}

export const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
