// Streaming decode through a spawned ffmpeg: raw rgb24 frames over a pipe, one frame in memory
// at a time, never the whole video. Frames come out as ffmpeg decodes them (no frame-rate
// conversion), turned upright by the file's rotation, and optionally scaled on decode.
import { spawn } from 'node:child_process';

import { DataError } from '../errors.js';
import { stderrTail, toolMissing } from '../process.js';
import { probeVideo, type VideoInfo } from './probe.js';

/** One RGB frame: height*width*3 bytes, row-major, channels last. */
export interface Frame {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface DecodedFrame extends Frame {
  /** Position of the frame in decode order. */
  index: number;
}

export interface DecodeOptions {
  /** Scale every frame to exactly this size. */
  size?: { width: number; height: number };
  /** Scale so that the shorter side has this many pixels, keeping the aspect ratio. */
  shortSide?: number;
  /** Metadata from an earlier probe, to skip probing again. */
  info?: VideoInfo;
  /** Fail unless exactly this many frames decode (catches files truncated behind their header). */
  expectFrames?: number;
}

/** The decoded frame size for the options: the explicit size, the short-side rule, or as stored. */
export function outputSize(info: VideoInfo, o: DecodeOptions): { width: number; height: number } {
  if (o.size) return o.size;
  const w = info.displayWidth;
  const h = info.displayHeight;
  if (!o.shortSide) return { width: w, height: h };
  const k = o.shortSide / Math.min(w, h);
  return {
    width: Math.max(1, Math.round(w * k)),
    height: Math.max(1, Math.round(h * k)),
  };
}

/**
 * An ffmpeg `select` expression for sorted unique indices, with arithmetic runs folded into
 * `between(n,a,b)*not(mod(n-a,s))` so that test clips of many frames stay short.
 */
export function selectExpr(sorted: readonly number[]): string {
  const terms: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const a = sorted[i] as number;
    const s = (sorted[i + 1] ?? a) - a;
    let j = i + 1;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) - (sorted[j] as number) === s) j++;
    if (j - i >= 2) {
      const b = sorted[j] as number;
      terms.push(s === 1 ? `between(n\\,${a}\\,${b})` : `between(n\\,${a}\\,${b})*not(mod(n-${a}\\,${s}))`);
      i = j + 1;
    } else {
      terms.push(`eq(n\\,${a})`);
      i++;
    }
  }
  return terms.join('+');
}

/** The filter chain of one decoded stream: select the wanted frames, then scale. */
export function filterChain(width: number, height: number, select: string | null): string {
  const filters: string[] = [];
  if (select !== null) filters.push(`select='${select}'`);
  filters.push(`scale=${width}:${height}:flags=bilinear`);
  return filters.join(',');
}

function ffmpegArgs(file: string, width: number, height: number, select: string | null): string[] {
  return [
    ...['-nostdin', '-v', 'error', '-threads', '1', '-i', file, '-map', '0:v:0', '-an', '-sn'],
    ...['-filter_threads', '1', '-vf', filterChain(width, height, select), '-fps_mode', 'passthrough'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ];
}

/** Frames straight out of ffmpeg; stops the process when the consumer stops early. */
async function* stream(
  file: string,
  width: number,
  height: number,
  select: string | null,
): AsyncGenerator<Uint8Array> {
  const child = spawn('ffmpeg', ffmpegArgs(file, width, height, select), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let spawnError: unknown = null;
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  child.on('error', (e) => (spawnError = e));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const bytes = width * height * 3;
  let frame = new Uint8Array(bytes);
  let filled = 0;
  let finished = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      let off = 0;
      while (off < chunk.length) {
        const n = Math.min(bytes - filled, chunk.length - off);
        frame.set(chunk.subarray(off, off + n), filled);
        filled += n;
        off += n;
        if (filled === bytes) {
          yield frame;
          frame = new Uint8Array(bytes);
          filled = 0;
        }
      }
    }
    const code = await exited;
    finished = true;
    if (spawnError) throw toolMissing('ffmpeg', file, spawnError);
    if (code !== 0) throw new DataError(file, `cannot decode (ffmpeg exit ${code})${stderrTail(stderr)}`);
    if (filled !== 0) throw new DataError(file, `decoding ended inside a frame (${filled}/${bytes} bytes)`);
  } finally {
    if (!finished) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Every frame of a video, in order, one at a time. */
export async function* decodeVideo(file: string, opts: DecodeOptions = {}): AsyncGenerator<DecodedFrame> {
  const info = opts.info ?? (await probeVideo(file));
  const { width, height } = outputSize(info, opts);
  let index = 0;
  for await (const data of stream(file, width, height, null)) yield { data, width, height, index: index++ };
  if (index === 0) throw new DataError(file, 'video has no decodable frames');
  if (opts.expectFrames !== undefined && index !== opts.expectFrames) {
    throw new DataError(
      file,
      `decoded ${index} frames but expected ${opts.expectFrames} (truncated or corrupt?)`,
    );
  }
}

export interface SelectOptions extends DecodeOptions {
  /** What to do when an index lies past the last decodable frame: fail, or repeat the last frame. */
  onShort?: 'error' | 'repeat-last';
}

export interface Frames {
  width: number;
  height: number;
  /** One frame per requested index, in the requested order (repeated indices share one array). */
  frames: Uint8Array[];
}

/**
 * The frames at the given indices. ffmpeg's select filter drops the others before scaling, and the
 * process is stopped as soon as the last wanted frame arrives.
 */
export async function decodeFrames(
  file: string,
  indices: readonly number[],
  opts: SelectOptions = {},
): Promise<Frames> {
  const wanted = wantedFrames(indices);
  const info = opts.info ?? (await probeVideo(file));
  const { width, height } = outputSize(info, opts);
  const decoded: Uint8Array[] = [];
  for await (const data of stream(file, width, height, selectExpr(wanted))) {
    decoded.push(data);
    if (decoded.length === wanted.length) break;
  }
  return pickFrames(file, info, indices, decoded, width, height, opts.onShort);
}

/** The sorted distinct indices to select; throws on a bad one. */
export function wantedFrames(indices: readonly number[]): number[] {
  if (indices.length === 0) throw new Error('decodeFrames: no frame indices given');
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0) throw new Error(`decodeFrames: bad frame index ${i}`);
  }
  return [...new Set(indices)].sort((a, b) => a - b);
}

/**
 * The asked frames from those the select filter gave (the wanted ones, in order, possibly fewer
 * when the video ends early): an error past the end, or the last frame repeated on request.
 */
export function pickFrames(
  file: string,
  info: VideoInfo,
  indices: readonly number[],
  decoded: readonly Uint8Array[],
  width: number,
  height: number,
  onShort: SelectOptions['onShort'],
): Frames {
  const wanted = wantedFrames(indices);
  const k = Math.min(decoded.length, wanted.length);
  if (k < wanted.length && (k === 0 || onShort !== 'repeat-last')) {
    throw new DataError(
      file,
      `frame ${wanted[k]} is past the end: only ${k} of the ${wanted.length} wanted frames decode (header says ${info.frames} frames)`,
    );
  }
  const got = new Map(wanted.map((w, i) => [w, decoded[Math.min(i, k - 1)] as Uint8Array]));
  return { width, height, frames: indices.map((i) => got.get(i) as Uint8Array) };
}
