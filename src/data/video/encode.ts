// Encoding RGB frames into a video file with a spawned ffmpeg. The file appears only when the
// encode has succeeded: frames go to a hidden temporary name that is renamed at the end, so an
// interrupted run never leaves a half-written video that looks whole.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

import { DataError } from '../errors.js';
import { stderrTail, toolMissing, writeOrWait } from '../process.js';

export type VideoCodec = 'h264' | 'mjpeg' | 'ffv1';

export interface EncodeOptions {
  width: number;
  height: number;
  fps?: number;
  /** Default from the extension: .mp4 h264, .avi mjpeg, .mkv ffv1. */
  codec?: VideoCodec;
  /** h264 constant rate factor (0 lossless .. 51); default 18. */
  crf?: number;
  /** mjpeg quantiser (2 best .. 31); default 3. */
  quality?: number;
  /** mjpeg chroma: '4:2:0' (default, as cameras write) or '4:4:4' (full-resolution colour). */
  chroma?: '4:2:0' | '4:4:4';
}

const CONTAINERS: Record<string, { format: string; codecs: VideoCodec[] }> = {
  '.mp4': { format: 'mp4', codecs: ['h264'] },
  '.avi': { format: 'avi', codecs: ['mjpeg', 'ffv1', 'h264'] },
  '.mkv': { format: 'matroska', codecs: ['ffv1', 'h264', 'mjpeg'] },
};

function codecArgs(codec: VideoCodec, o: EncodeOptions): string[] {
  switch (codec) {
    case 'h264':
      // 4:2:0 chroma needs even sizes: odd ones get one black column or row.
      return [
        ...['-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2', '-c:v', 'libx264', '-preset', 'veryfast'],
        ...['-crf', String(o.crf ?? 18), '-pix_fmt', 'yuv420p'],
      ];
    case 'mjpeg':
      return [
        ...['-c:v', 'mjpeg', '-q:v', String(o.quality ?? 3)],
        ...['-pix_fmt', o.chroma === '4:4:4' ? 'yuvj444p' : 'yuvj420p'],
      ];
    case 'ffv1':
      // Lossless RGB: decoded frames equal the written ones exactly.
      return ['-c:v', 'ffv1', '-pix_fmt', 'bgr0'];
  }
}

export class VideoWriter {
  private frames = 0;
  private failure: Error | null = null;
  private readonly exited: Promise<number | null>;
  /** Set once ffmpeg has exited and its pipes have closed: no 'drain' or 'close' comes after. */
  private ended = false;
  private stderr = '';

  private constructor(
    readonly file: string,
    private readonly temp: string,
    private readonly frameBytes: number,
    private readonly child: ChildProcessByStdio<Writable, null, Readable>,
  ) {
    child.stderr.on('data', (b: Buffer) => (this.stderr += b.toString()));
    child.stdin.on('error', (e) => (this.failure ??= e));
    child.on('error', (e) => (this.failure ??= toolMissing('ffmpeg', file, e)));
    this.exited = new Promise((resolve) =>
      child.on('close', (code) => {
        this.ended = true;
        resolve(code);
      }),
    );
  }

  static async open(file: string, o: EncodeOptions): Promise<VideoWriter> {
    const ext = extname(file).toLowerCase();
    const container = CONTAINERS[ext];
    if (!container) throw new DataError(file, `cannot write '${ext}' videos (use .mp4, .avi or .mkv)`);
    const codec = o.codec ?? (container.codecs[0] as VideoCodec);
    if (!container.codecs.includes(codec)) throw new DataError(file, `${ext} cannot hold ${codec}`);
    if (!(Number.isInteger(o.width) && Number.isInteger(o.height) && o.width > 0 && o.height > 0)) {
      throw new DataError(file, `bad frame size ${o.width}x${o.height}`);
    }
    await mkdir(dirname(file), { recursive: true });
    const temp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.partial`);
    const args = [
      ...['-nostdin', '-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'rgb24'],
      ...['-s', `${o.width}x${o.height}`, '-r', String(o.fps ?? 25), '-i', 'pipe:0'],
      ...codecArgs(codec, o),
      ...['-threads', '1', '-f', container.format, temp],
    ];
    const child = spawn('ffmpeg', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    return new VideoWriter(file, temp, o.width * o.height * 3, child);
  }

  /** Appends one rgb24 frame, waiting while ffmpeg catches up. */
  async write(frame: Uint8Array): Promise<void> {
    if (frame.length !== this.frameBytes) {
      throw new DataError(this.file, `frame of ${frame.length} bytes, expected ${this.frameBytes}`);
    }
    if (this.failure || this.ended)
      throw new DataError(this.file, `encoder stopped${stderrTail(this.stderr)}`, {
        cause: this.failure ?? undefined,
      });
    this.frames++;
    await writeOrWait(this.child.stdin, frame, this.exited);
  }

  /** Finishes the file and moves it into place. */
  async close(): Promise<void> {
    this.child.stdin.end();
    const code = await this.exited;
    if (code !== 0 || this.failure || this.frames === 0) {
      await rm(this.temp, { force: true });
      const why =
        this.frames === 0 ? 'no frames were written' : `ffmpeg exit ${code}${stderrTail(this.stderr)}`;
      throw new DataError(this.file, `cannot encode: ${why}`, {
        cause: this.failure ?? undefined,
      });
    }
    await rename(this.temp, this.file);
  }

  /** Stops encoding and removes the partial file. */
  async abort(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
    await rm(this.temp, { force: true });
  }
}

/** Encodes a sequence of rgb24 frames (each width*height*3 bytes) into `file`. */
export async function writeVideo(
  file: string,
  frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  o: EncodeOptions,
): Promise<void> {
  const w = await VideoWriter.open(file, o);
  try {
    for await (const f of frames) await w.write(f);
  } catch (e) {
    await w.abort();
    throw e;
  }
  await w.close();
}
