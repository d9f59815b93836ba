// Running ffmpeg and ffprobe as child processes, with errors that name the media file.
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

import { DataError } from './errors.js';

export interface ToolResult {
  stdout: Buffer;
  stderr: string;
}

/** The last lines of a tool's stderr: enough to say what went wrong without a wall of text. */
export function stderrTail(stderr: string, lines = 4): string {
  const kept = stderr.trim().split('\n').slice(-lines).join(' | ');
  return kept ? `: ${kept}` : '';
}

export function toolMissing(tool: string, file: string, cause: unknown): DataError {
  return new DataError(file, `cannot run ${tool} (is it installed and on PATH?)`, { cause });
}

/** Runs a tool to completion on `file`, collecting its output; rejects on a non-zero exit. */
export function runTool(tool: string, args: string[], file: string): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', (e) => reject(toolMissing(tool, file, e)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve({ stdout: Buffer.concat(out), stderr: err });
      else reject(new DataError(file, `${tool} failed (${signal ?? `exit ${code}`})${stderrTail(err)}`));
    });
  });
}

/**
 * Writes a chunk to a child's stdin and, when the pipe is full, waits for room or for the child to
 * end. Its 'close' may already have fired (then no event comes), so `exited` is awaited as well.
 */
export async function writeOrWait(
  stdin: Writable,
  chunk: Uint8Array,
  exited: Promise<unknown>,
): Promise<void> {
  if (stdin.write(chunk)) return;
  let done = (): void => {};
  await Promise.race([
    new Promise<void>((resolve) => {
      done = resolve;
      stdin.on('drain', done).on('close', done);
    }),
    exited,
  ]);
  stdin.off('drain', done).off('close', done);
}
