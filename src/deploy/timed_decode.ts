// Streaming decode that keeps every frame's timestamp: ffmpeg writes upright rgb24 frames to a
// pipe while its showinfo filter logs each frame's pts (in the stream's own time base) on
// stderr; the two are zipped here, frame k with log line k. Nothing is converted in time
// (passthrough), so variable frame rates survive. Reads a file, encoded video on stdin, or raw
// frames on stdin.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

import { DataError } from '../data/errors.js';
import { stderrTail, toolMissing } from '../data/process.js';

/** Raw frames on stdin: their size, rate and ffmpeg pixel format. */
export interface RawInput {
  width: number;
  height: number;
  fps: number;
  pixFmt: string;
}

export interface DecodeSource {
  /** A file, or null for stdin. */
  path: string | null;
  /** Set when stdin carries raw frames rather than an encoded stream. */
  raw?: RawInput;
  /** Decode only the first this many seconds. */
  preview?: number;
}

export interface DecodeHead {
  width: number;
  height: number;
  /** The stream's time base [num, den]: frame pts are integer ticks of it. */
  timeBase: [number, number];
}

export interface TimedFrame {
  /** height * width * 3 bytes, rgb24, upright. */
  data: Uint8Array;
  pts: bigint;
}

/**
 * What ffmpeg says when the input ended early or is damaged (it then goes on with what it has):
 * demuxers on truncated files and streams, decoders concealing broken macroblocks or references.
 */
const DAMAGE =
  /ended prematurely|partial file|truncat|corrupt|conceal|error while decoding|invalid data found|invalid nal|missing picture|decode_slice_header error|no frame!|mmco: unref|POCs unavailable|overread|damaged|Error splitting/i;

/** ffmpeg's signs of damage: how many, and the first few lines (for the message). */
export interface Damage {
  count: number;
  first: string[];
}

const CONFIG = /config in time_base: (\d+)\/(\d+)/;
const FRAME = /\] n:\s*\d+ pts:\s*(-?\d+|NOPTS)\b.* s:(\d+)x(\d+)/;

/** ffmpeg's arguments; `0:V:0` is the first video stream that is not a cover picture. */
export function decodeArgs(src: DecodeSource): string[] {
  const input = src.raw
    ? [
        ...['-f', 'rawvideo', '-pix_fmt', src.raw.pixFmt, '-s', `${src.raw.width}x${src.raw.height}`],
        ...['-framerate', String(src.raw.fps), '-i', 'pipe:0'],
      ]
    : ['-i', src.path ?? 'pipe:0'];
  return [
    ...(src.path ? ['-nostdin'] : []),
    ...['-hide_banner', '-nostats', '-loglevel', 'info', '-threads', '1', ...input],
    ...['-map', '0:V:0', '-an', '-sn', '-dn', ...(src.preview ? ['-t', String(src.preview)] : [])],
    ...['-filter_threads', '1', '-vf', 'showinfo=checksum=0', '-fps_mode', 'passthrough'],
    ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'],
  ];
}

export class TimedDecoder {
  /** Resolves once ffmpeg reports the first frame (size and time base). */
  readonly head: Promise<DecodeHead>;
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private readonly exited: Promise<number | null>;
  private readonly name: string;
  private log: string[] = [];
  /** Signs that the input ended early or is damaged, from ffmpeg's log. */
  readonly damage: Damage = { count: 0, first: [] };
  /** Timestamps logged whose frames have not been read yet. */
  private pts: bigint[] = [];
  private lastPts: bigint | null = null;
  private wake: (() => void) | null = null;
  private closed = false;
  private spawnError: unknown = null;
  private timeBase: [number, number] | null = null;

  constructor(src: DecodeSource) {
    this.name = src.path ?? '<stdin>';
    this.child = spawn('ffmpeg', decodeArgs(src), {
      stdio: [src.path ? 'ignore' : 0, 'pipe', 'pipe'],
    }) as ChildProcessByStdio<null, Readable, Readable>;
    this.child.on('error', (e) => (this.spawnError = e));
    // Node discards a child's unread stdout when it exits (flushStdio) unless something listens:
    // frames() may start reading only after ffmpeg has finished a short video.
    this.child.stdout.on('readable', () => {});
    this.exited = new Promise((resolve) =>
      this.child.on('close', (code, signal) => {
        this.closed = true;
        this.poke();
        resolve(signal ? -1 : code);
      }),
    );
    let resolveHead: (h: DecodeHead) => void = () => {};
    let rejectHead: (e: Error) => void = () => {};
    this.head = new Promise((res, rej) => ((resolveHead = res), (rejectHead = rej)));
    this.head.catch(() => {}); // frames() reports the same failure
    let partial = '';
    let headSent = false;
    this.child.stderr.on('data', (b: Buffer) => {
      const lines = (partial + b.toString()).split(/\r?\n/);
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const c = CONFIG.exec(line);
        if (c && !this.timeBase) this.timeBase = [Number(c[1]), Number(c[2])];
        const f = FRAME.exec(line);
        if (!f) {
          if (!line.includes('Parsed_showinfo')) this.log = [...this.log.slice(-30), line];
          if (DAMAGE.test(line)) {
            this.damage.count++;
            if (this.damage.first.length < 3) this.damage.first.push(line.replace(/^\[[^\]]*\]\s*/, ''));
          }
          continue;
        }
        const pts = f[1] === 'NOPTS' ? (this.lastPts ?? -1n) + 1n : BigInt(f[1] as string);
        this.pts.push(pts);
        this.lastPts = pts;
        if (!headSent) {
          headSent = true;
          resolveHead({ width: Number(f[2]), height: Number(f[3]), timeBase: this.timeBase ?? [1, 25] });
        }
        this.poke();
      }
    });
    void this.exited.then((code) => {
      if (!headSent) rejectHead(this.failure(code, 'no video frame decodes'));
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private failure(code: number | null, fallback: string): DataError {
    if (this.spawnError) return toolMissing('ffmpeg', this.name, this.spawnError);
    const tail = stderrTail(this.log.filter((l) => !/^\s|^(Input|Output|Stream|Press)/.test(l)).join('\n'));
    if (code !== 0)
      return new DataError(
        this.name,
        `cannot decode (ffmpeg ${code === -1 ? 'killed' : `exit ${code}`})${tail}`,
      );
    return new DataError(this.name, `${fallback}${tail}`);
  }

  /** The pts of the next frame, waiting for its log line if the pixels came first. */
  private async nextPts(k: number): Promise<bigint> {
    while (this.pts.length === 0 && !this.closed) await new Promise<void>((r) => (this.wake = r));
    const p = this.pts.shift();
    if (p === undefined) throw new DataError(this.name, `frame ${k} has no timestamp in ffmpeg's log`);
    return p;
  }

  /**
   * The next `bytes` of ffmpeg's output in a buffer of its own (transferable to another thread);
   * fewer at the very end, null after it.
   */
  private async read(bytes: number): Promise<Uint8Array | null> {
    const out = this.child.stdout;
    for (;;) {
      const b = out.read(bytes) as Buffer | null; // the stream raises its buffer size to fit
      if (b) return b.byteOffset === 0 && b.buffer.byteLength === b.length ? b : new Uint8Array(b);
      if (out.readableEnded || out.destroyed) return null;
      let done = (): void => {};
      await new Promise<void>((resolve) => {
        done = resolve;
        out.on('readable', done).on('end', done).on('close', done);
      });
      out.off('readable', done).off('end', done).off('close', done);
    }
  }

  /** Every frame in presentation order; stops ffmpeg if the consumer stops early. */
  async *frames(): AsyncGenerator<TimedFrame> {
    let finished = false;
    try {
      const { width, height } = await this.head.catch(async () => {
        throw this.failure(await this.exited, 'no video frame decodes');
      });
      const bytes = width * height * 3;
      for (let k = 0; ; k++) {
        const data = await this.read(bytes);
        if (!data) break;
        if (data.length < bytes)
          throw new DataError(this.name, `decoding ended inside a frame (${data.length}/${bytes} bytes)`);
        yield { data, pts: await this.nextPts(k) };
      }
      const code = await this.exited;
      finished = true;
      if (code !== 0) throw this.failure(code, '');
    } finally {
      if (!finished) this.kill();
    }
  }

  kill(): void {
    if (this.closed) return;
    this.child.kill('SIGKILL');
    // Unread frames would keep the pipe, and so the 'close' that done() waits for, open.
    this.child.stdout.destroy();
  }

  /** Waits for ffmpeg to exit (after kill() or the last frame). */
  async done(): Promise<void> {
    await this.exited;
  }
}
