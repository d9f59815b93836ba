// Decoding frames from several videos with one ffmpeg process: each file is an input, each
// selection an output on its own pipe (fd 3, 4, ...). Starting ffmpeg costs tens of milliseconds
// of CPU (it loads a hundred shared libraries), far more than decoding a short clip, so a loader
// worker decodes its share of a batch in one go. When the shared process fails (one unreadable
// file stops them all), each file is decoded on its own so that errors name the right file and
// the sound files still decode.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

import { DataError } from '../errors.js';
import {
  decodeFrames,
  filterChain,
  type Frames,
  outputSize,
  pickFrames,
  selectExpr,
  type SelectOptions,
  wantedFrames,
} from './decode.js';
import type { VideoInfo } from './probe.js';

export interface DecodeRequest {
  file: string;
  indices: readonly number[];
  opts: SelectOptions & { info: VideoInfo };
}

interface Output {
  width: number;
  height: number;
  want: number;
  frames: Uint8Array[];
}

/** Runs the shared process; null when it failed (the caller falls back to one file at a time). */
async function shared(reqs: readonly DecodeRequest[]): Promise<Output[] | null> {
  const outs: Output[] = reqs.map((r) => ({
    ...outputSize(r.opts.info, r.opts),
    want: wantedFrames(r.indices).length,
    frames: [],
  }));
  const args = ['-nostdin', '-v', 'error', '-filter_threads', '1'];
  for (const r of reqs) args.push('-threads', '1', '-i', r.file);
  reqs.forEach((r, k) => {
    const o = outs[k] as Output;
    args.push(
      '-map',
      `${k}:v:0`,
      '-an',
      '-sn',
      '-vf',
      filterChain(o.width, o.height, selectExpr(wantedFrames(r.indices))),
    );
    args.push('-fps_mode', 'passthrough', '-f', 'rawvideo', '-pix_fmt', 'rgb24', `pipe:${k + 3}`);
  });
  const child = spawn('ffmpeg', args, {
    stdio: ['ignore', 'ignore', 'pipe', ...reqs.map(() => 'pipe' as const)],
  });
  // Drained, not kept: on failure each file is decoded again on its own, for its own message.
  child.stderr?.resume();
  let stopped = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', () => resolve(-1));
    child.on('close', (code) => resolve(code));
  });
  const complete = (): boolean => outs.every((o) => o.frames.length >= o.want);
  const reads = outs.map(
    (o, k) =>
      new Promise<void>((resolve) => {
        const pipe = child.stdio[k + 3] as Readable;
        const bytes = o.width * o.height * 3;
        let frame = new Uint8Array(bytes);
        let filled = 0;
        // Every pipe is drained to its end: leaving one full would stall the others.
        pipe.on('data', (chunk: Buffer) => {
          let off = 0;
          while (off < chunk.length && o.frames.length < o.want) {
            const n = Math.min(bytes - filled, chunk.length - off);
            frame.set(chunk.subarray(off, off + n), filled);
            filled += n;
            off += n;
            if (filled === bytes) {
              o.frames.push(frame);
              frame = new Uint8Array(bytes);
              filled = 0;
            }
          }
          if (!stopped && complete()) {
            // Everything wanted is here: no need to decode the rest of the files.
            stopped = true;
            child.kill('SIGKILL');
          }
        });
        pipe.on('close', resolve);
        pipe.on('error', () => resolve());
      }),
  );
  const code = await exited;
  await Promise.all(reads);
  return stopped || code === 0 ? outs : null;
}

/** The frames of each request, or the error that request alone gives. */
export async function decodeFramesMany(reqs: readonly DecodeRequest[]): Promise<(Frames | DataError)[]> {
  if (reqs.length === 0) return [];
  const alone = (r: DecodeRequest): Promise<Frames | DataError> =>
    decodeFrames(r.file, r.indices, r.opts).catch((e: unknown) => {
      if (e instanceof DataError) return e;
      throw e;
    });
  if (reqs.length === 1) return [await alone(reqs[0] as DecodeRequest)];
  const outs = await shared(reqs);
  if (!outs) {
    const results: (Frames | DataError)[] = [];
    for (const r of reqs) results.push(await alone(r));
    return results;
  }
  return reqs.map((r, k) => {
    const o = outs[k] as Output;
    try {
      return pickFrames(r.file, r.opts.info, r.indices, o.frames, o.width, o.height, r.opts.onShort);
    } catch (e) {
      if (e instanceof DataError) return e;
      throw e;
    }
  });
}
