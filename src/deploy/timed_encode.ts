// Encoding anonymized frames with the input's timing, orientation, audio and metadata. Frames
// reach ffmpeg as a Matroska stream (mkv.ts) carrying each frame's exact timestamp; ffmpeg
// encodes in the source's time base without adding or dropping frames, turns the picture back
// to its stored orientation (mp4_matrix.ts then copies the rotation flag), and takes audio, metadata
// and chapters from the source file. A file output is written under a temporary name and
// renamed only once ffmpeg has finished cleanly and the frames that decode from it are counted:
// as many as were written, or the output is removed and the job fails.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

import { DataError } from '../data/errors.js';
import { runTool, stderrTail, toolMissing, writeOrWait } from '../data/process.js';
import { codecArgs, type Codec, type CodecSettings } from './containers.js';
import { mkvFrame, mkvHeader } from './mkv.js';
import { copyDisplayMatrix } from './mp4_matrix.js';
import type { Colour } from './source.js';

export interface AudioSource {
  path: string;
  codecs: string[];
  /** The source's start time (the decoder shifted the video by it). */
  startTime: number;
}

export interface EncodeTarget extends CodecSettings {
  /** The output file, or null for stdout. */
  path: string | null;
  /** ffmpeg muxer. */
  format: string;
  codec: Codec;
  /** Size of the (upright) frames given to write(). */
  width: number;
  height: number;
  timeBase: [number, number];
  /** The source's nominal frame rate, when known. */
  fps?: number;
  /** Clockwise degrees a player turns the stored picture (0: none): the stored orientation is restored. */
  rotation: number;
  /** The source's colour description (YUV matrix, range, primaries, transfer), to keep. */
  colour?: Colour;
  /** An MP4/MOV source whose rotation flag (display matrix) the MP4/MOV output gets. */
  matrixFrom?: string;
  /** Audio and metadata to carry over; null: none. */
  source: AudioSource | null;
  audio: boolean;
  /** Audio codecs the container takes as they are (null: any), and the encoder for the rest. */
  audioCopy: readonly string[] | null;
  audioEncoder: string;
  /** Stop after this many seconds (--preview). */
  duration?: number;
}

/** Frames of the first video stream that decode from `file` (ffprobe decodes them all to count). */
export async function countDecodableFrames(file: string): Promise<number> {
  const { stdout } = await runTool(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-count_frames',
      '-show_entries',
      'stream=nb_read_frames',
      '-of',
      'csv=p=0',
      file,
    ],
    file,
  );
  const n = Number(stdout.toString().trim().split(/[\s,]/)[0]);
  return Number.isInteger(n) ? n : 0;
}

/** swscale's names of the YUV matrices, by ffprobe's colour space. */
const MATRICES: Record<string, string> = {
  bt709: 'bt709',
  smpte170m: 'smpte170m',
  bt470bg: 'bt470',
  fcc: 'fcc',
  smpte240m: 'smpte240m',
  bt2020nc: 'bt2020',
  bt2020c: 'bt2020',
};

/** RGB back to YUV with the source's matrix and range (the decoder used them the other way). */
function colourFilter(t: EncodeTarget): string[] {
  const matrix = MATRICES[t.colour?.space ?? ''];
  const yuv = !['ffv1', 'rawvideo', 'mjpeg'].includes(t.codec);
  if (!yuv || (!matrix && !t.colour?.range)) return [];
  const opts = [
    ...(matrix ? [`out_color_matrix=${matrix}`] : []),
    ...(t.colour?.range ? [`out_range=${t.colour.range}`] : []),
  ];
  return [`scale=${opts.join(':')}`];
}

/** The source's colour description, written on the output's video stream. */
function colourTags(t: EncodeTarget): string[] {
  if (['ffv1', 'rawvideo', 'mjpeg'].includes(t.codec) || !t.colour) return [];
  const c = t.colour;
  return [
    ...(c.space ? ['-colorspace', c.space] : []),
    ...(c.primaries ? ['-color_primaries', c.primaries] : []),
    ...(c.transfer ? ['-color_trc', c.transfer] : []),
    ...(c.range ? ['-color_range', c.range] : []),
  ];
}

/** Turns an upright picture back into the stored orientation of a source turned `rotation` clockwise. */
const UNDO_ROTATION: Record<number, string> = {
  90: 'transpose=cclock',
  180: 'hflip,vflip',
  270: 'transpose=clock',
};

export function encodeArgs(t: EncodeTarget, out: string): string[] {
  const codecs = t.audio && t.format !== 'rawvideo' ? (t.source?.codecs ?? []) : [];
  const audio = codecs.length > 0;
  const copyAudio = codecs.every((c) => t.audioCopy === null || t.audioCopy.includes(c));
  const args = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error', '-y', '-copyts'];
  args.push('-f', 'matroska', '-i', 'pipe:0');
  // The decoder made the video's times relative to the file's start (as ffmpeg does); the
  // copied audio is shifted the same way, so both keep their offsets and the output starts at 0.
  if (t.source) args.push('-itsoffset', String(-t.source.startTime), '-i', t.source.path);
  args.push('-map', '0:v:0');
  if (audio) args.push('-map', '1:a', ...(copyAudio ? ['-c:a', 'copy'] : ['-c:a', t.audioEncoder]));
  if (t.source) args.push('-map_metadata', '1', '-map_chapters', '1');
  const undo = UNDO_ROTATION[t.rotation];
  const turned = undo !== undefined;
  const filters = [...(turned ? [undo] : []), ...colourFilter(t)];
  if (filters.length) args.push('-vf', filters.join(','));
  args.push(...colourTags(t));
  const [w, h] = turned && t.rotation !== 180 ? [t.height, t.width] : [t.width, t.height];
  args.push(...codecArgs(t.codec, w, h, t));
  args.push('-fps_mode', 'passthrough', '-enc_time_base', `${t.timeBase[0]}:${t.timeBase[1]}`);
  if (t.duration) args.push('-t', String(t.duration));
  args.push('-threads', '1', '-f', t.format, out);
  return args;
}

/** ticks of num/den seconds -> nanoseconds, rounded (exact integers: no float drift over hours). */
function toNs(ticks: bigint, [num, den]: [number, number]): bigint {
  const n = ticks * BigInt(num) * 1_000_000_000n;
  const d = BigInt(den);
  return (2n * n + d) / (2n * d);
}

export class TimedEncoder {
  private failure: Error | null = null;
  private stderr = '';
  private frames = 0;
  private ended = false;

  private constructor(
    private readonly t: EncodeTarget,
    private readonly temp: string | null,
    private readonly child: ChildProcessByStdio<Writable, null, Readable>,
    private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  ) {
    child.stderr.on('data', (b: Buffer) => (this.stderr = (this.stderr + b.toString()).slice(-4000)));
    child.stdin.on('error', (e) => (this.failure ??= e));
    child.on('error', (e) => (this.failure ??= toolMissing('ffmpeg', this.name, e)));
    void exited.then(() => (this.ended = true));
  }

  get name(): string {
    return this.t.path ?? '<stdout>';
  }

  static async open(t: EncodeTarget): Promise<TimedEncoder> {
    let temp: string | null = null;
    if (t.path) {
      const dir = dirname(t.path);
      temp = join(dir, `.${basename(t.path)}.${randomBytes(4).toString('hex')}.partial`);
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(temp, ''); // fails now, not after the first batch, if the folder is unwritable
      } catch (e) {
        throw new DataError(t.path, `cannot write the output: ${(e as Error).message}`, { cause: e });
      }
    }
    const child = spawn('ffmpeg', encodeArgs(t, temp ?? 'pipe:1'), {
      stdio: ['pipe', temp ? 'ignore' : 1, 'pipe'],
    }) as ChildProcessByStdio<Writable, null, Readable>;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.on('close', (code, signal) => resolve({ code, signal })),
    );
    return new TimedEncoder(t, temp, child, exited);
  }

  private async send(chunks: Uint8Array[]): Promise<void> {
    for (const c of chunks) {
      if (this.failure || this.ended) throw this.error();
      await writeOrWait(this.child.stdin, c, this.exited);
    }
  }

  private error(code?: number | null, signal?: NodeJS.Signals | null): DataError {
    let why = stderrTail(this.stderr);
    if (signal === 'SIGXFSZ') why = ': the file size limit was reached (disk full?)';
    else if (signal) why = `: ffmpeg was killed (${signal})${why}`;
    else if (code !== undefined && code !== 0) why = `: ffmpeg exit ${code}${why}`;
    return new DataError(this.name, `cannot encode${why || ': the encoder stopped'}`, {
      cause: this.failure ?? undefined,
    });
  }

  /** Appends one RGBA frame at `pts` ticks lasting `duration` ticks (null: unknown). */
  async write(rgba: Uint8Array, pts: bigint, duration: bigint | null): Promise<void> {
    if (rgba.length !== this.t.width * this.t.height * 4)
      throw new DataError(
        this.name,
        `frame of ${rgba.length} bytes, expected ${this.t.width}x${this.t.height}x4`,
      );
    // The decoder shifts the file to start at zero, so only a broken file has earlier frames.
    if (pts < 0n) throw new DataError(this.name, `frame ${this.frames} has a negative timestamp`);
    // The header goes with the first frame: a frame of unknown length (a lone frame) makes the
    // track's nominal rate its length, else MP4 gives it none and it never decodes.
    if (this.frames === 0) {
      const fps = this.t.fps && this.t.fps > 0 ? this.t.fps : 25;
      const nominal = duration === null ? BigInt(Math.round(1e9 / fps)) : undefined;
      await this.send([mkvHeader(this.t.width, this.t.height, nominal)]);
    }
    this.frames++;
    const dur = duration === null ? null : toNs(duration, this.t.timeBase);
    await this.send(mkvFrame(rgba, toNs(pts, this.t.timeBase), dur));
  }

  /** Finishes the stream and moves the file into place. */
  async close(): Promise<void> {
    this.child.stdin.end();
    const { code, signal } = await this.exited;
    if (code !== 0 || this.failure || this.frames === 0) {
      if (this.temp) await rm(this.temp, { force: true });
      if (this.frames === 0) throw new DataError(this.name, 'cannot encode: no frames were written');
      throw this.error(code, signal);
    }
    if (this.temp && this.t.path) {
      const decodable = await countDecodableFrames(this.temp).catch(() => 0);
      if (decodable !== this.frames) {
        await rm(this.temp, { force: true });
        throw new DataError(
          this.t.path,
          `the output is not kept: ${this.frames} frames were written but ${decodable} decode from it`,
        );
      }
      try {
        if (this.t.matrixFrom) await copyDisplayMatrix(this.t.matrixFrom, this.temp);
        await rename(this.temp, this.t.path);
      } catch (e) {
        await rm(this.temp, { force: true });
        throw new DataError(
          this.t.path,
          `cannot move the finished output into place: ${(e as Error).message}`,
        );
      }
    }
  }

  /** Stops encoding and removes the partial file. */
  async abort(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
    if (this.temp) await rm(this.temp, { force: true });
  }
}
