// `veil anonymize`: a trained f_A applied to videos, images, folders and streams. Videos stream
// through the I/O worker in batches (bounded memory, decode and encode beside inference) and
// come out with the input's frame count, timestamps, size, rotation, audio and metadata; every
// output appears only when complete, and only once the frames that decode from it have been
// counted. An input that ends early or that ffmpeg finds damaged fails its job unless
// `allowPartial` says otherwise. In a folder, a file that fails is reported and the rest go on.
// The result is a summary with each file's frames, speed and per-frame RMS distortion.
import { extname } from 'node:path';

import { DataError, UsageError } from '../data/errors.js';
import { readImage, writeImage } from '../data/image.js';
import { Progress, type ProgressSink } from '../data/progress.js';
import { modelSpec } from '../models/index.js';
import {
  bf16Pays,
  defaultThreads,
  type Device,
  getNumThreads,
  maxThreads,
  setNumThreads,
} from '../torch/index.js';
import { CODECS, containerFor, STREAM_FORMATS, type Codec } from './containers.js';
import { anonymizeFrames, type WorkingSize } from './frames.js';
import { planWork, type Plan, type WorkItem } from './plan.js';
import { openAnonymizer, type AnonymizerRuntime, type Precision, type RuntimeName } from './runtime.js';
import { probeSource, type SourceInfo } from './source.js';
import type { RawInput } from './timed_decode.js';
import type { JobSpec } from './io_protocol.js';
import { VideoJob } from './video_job.js';

export interface AnonymizeConfig {
  /** A video, an image, a folder, or '-' for stdin. */
  input: string;
  /** A file, a folder, or '-' for stdout. */
  output: string;
  /** A checkpoint (.safetensors, see checkpoint.ts) or an exported .onnx. */
  model: string;
  runtime: RuntimeName;
  precision: Precision;
  /** Working size; null: the size the model was trained at, else the zoo's size for it. */
  size: WorkingSize | null;
  batch: number;
  codec: Codec | null;
  crf: number | null;
  audio: boolean;
  sideBySide: boolean;
  /** Seconds; null: everything. */
  preview: number | null;
  force: boolean;
  /** stdin carries raw frames of this geometry. */
  raw: RawInput | null;
  /** stdout container (matroska, nut, rawvideo); null: rawvideo for raw input, else matroska. */
  format: string | null;
  /** Inference threads; null: every core (VEIL_THREADS), ffmpeg's decoding and encoding beside them. */
  threads?: number | null;
  /** Where the libtorch runtime runs f_A (frames are decoded and encoded on the CPU either way). */
  device?: Device;
  /** Keep the output of an input that ends early or is damaged (the summary says so). */
  allowPartial?: boolean;
  /** Stops the run between batches (Ctrl-C): the file in progress is removed, not left partial. */
  signal?: AbortSignal;
}

/** The defaults of every option, for `input` to `output` with `model`. */
export function anonymizeConfig(
  input: string,
  output: string,
  model: string,
  over: Partial<AnonymizeConfig> = {},
): AnonymizeConfig {
  return {
    input,
    output,
    model,
    runtime: 'libtorch',
    precision: 'float32',
    size: null,
    batch: 8,
    codec: null,
    crf: null,
    audio: true,
    sideBySide: false,
    preview: null,
    force: false,
    raw: null,
    format: null,
    threads: null,
    device: 'cpu',
    allowPartial: false,
    ...over,
  };
}

export interface FileSummary {
  input: string;
  output: string;
  kind: 'video' | 'image';
  status: 'done' | 'skipped' | 'failed';
  error?: string;
  frames?: number;
  width?: number;
  height?: number;
  seconds?: number;
  /** Frames per second achieved end to end. */
  fps?: number;
  rms?: { mean: number; max: number; perFrame: number[] };
  /** Videos: what the input promised and what ffmpeg said of it. */
  inputCheck?: InputCheck;
}

export interface InputCheck {
  /** Frames decoded from the input. */
  decoded: number;
  /** Frames its header promises, when it says. */
  expected: number | null;
  /** ffmpeg's signs that it ended early or is damaged: how many, the first lines. */
  damage: { count: number; first: string[] };
  /** The input is short or damaged (kept only with allowPartial). */
  partial: boolean;
}

/** A job failed for its input's sake: the summary still carries the counts. */
class PartialInput extends DataError {
  constructor(
    file: string,
    message: string,
    readonly check: InputCheck,
  ) {
    super(file, message);
  }
}

export interface RunSummary {
  model: string;
  runtime: RuntimeName;
  size: string;
  files: FileSummary[];
  done: number;
  skipped: number;
  failed: number;
  frames: number;
  seconds: number;
  fps: number;
}

const ROTATION_SOURCES = ['.mp4', '.mov', '.m4v'];
/** Decoded frames in flight at most, in bytes (a batch always fits): 4K frames stay bounded too. */
const WINDOW_BYTES = 256 * 2 ** 20;

interface Context {
  cfg: AnonymizeConfig;
  runtime: AnonymizerRuntime;
  size: WorkingSize;
  progress: Progress;
}

const label = (p: string | null, std: string): string => p ?? std;

function rmsOf(per: number[]): FileSummary['rms'] {
  const round = (v: number): number => Math.round(v * 1e6) / 1e6;
  const mean = per.reduce((a, b) => a + b, 0) / Math.max(1, per.length);
  const max = per.reduce((a, b) => Math.max(a, b), 0); // no spread: hours of frames overflow the stack
  return { mean: round(mean), max: round(max), perFrame: per.map(round) };
}

function encodeTarget(item: WorkItem, info: SourceInfo | null, cfg: AnonymizeConfig): JobSpec['target'] {
  const name = item.output ?? '<stdout>';
  const container = item.output
    ? containerFor(extname(item.output), item.output)
    : STREAM_FORMATS[cfg.format ?? (cfg.raw ? 'rawvideo' : 'matroska')];
  if (!container)
    throw new DataError(
      name,
      `unknown stream format '${cfg.format}' (${Object.keys(STREAM_FORMATS).join(', ')})`,
    );
  const codec = cfg.codec ?? (container.codecs[0] as Codec);
  if (!container.codecs.includes(codec))
    throw new DataError(
      name,
      `${container.format} cannot hold ${codec} (it takes ${container.codecs.join(', ')})`,
    );
  // The stored orientation and its flag come back only where the flag can be copied.
  const restore =
    !!info &&
    !!item.input &&
    info.rotation !== 0 &&
    container.rotation &&
    !cfg.sideBySide &&
    ROTATION_SOURCES.includes(extname(item.input).toLowerCase());
  return {
    path: item.output,
    format: container.format,
    codec,
    crf: cfg.crf ?? undefined,
    rotation: restore ? (info as SourceInfo).rotation : 0,
    matrixFrom: restore ? (item.input as string) : undefined,
    colour: info?.colour,
    source:
      info && item.input ? { path: item.input, codecs: info.audioCodecs, startTime: info.startTime } : null,
    audio: cfg.audio,
    audioCopy: container.audioCopy,
    audioEncoder: container.audioEncoder,
    duration: cfg.preview ?? undefined,
  };
}

async function anonymizeVideo(item: WorkItem, ctx: Context): Promise<FileSummary> {
  const { cfg, runtime, size, progress } = ctx;
  const t0 = performance.now();
  const info = item.input ? await probeSource(item.input) : null;
  const target = encodeTarget(item, info, cfg);
  const job = await VideoJob.start({
    source: { path: item.input, raw: cfg.raw ?? undefined, preview: cfg.preview ?? undefined },
    target,
    fps: info?.fps ?? cfg.raw?.fps ?? 25,
    widthFactor: cfg.sideBySide ? 2 : 1,
    window: { frames: Math.max(3 * cfg.batch, 16), bytes: WINDOW_BYTES, least: cfg.batch },
  });
  const { width, height } = job.head;
  const expected = info
    ? cfg.preview
      ? Math.min(info.frames, Math.ceil(cfg.preview * info.fps))
      : info.frames
    : null;
  progress.start(label(item.input, '<stdin>'), expected);
  const rms: number[] = [];
  let frames: number;
  let check: InputCheck | undefined;
  try {
    for (;;) {
      const batch = await job.take(cfg.batch);
      if (batch.length === 0) break;
      if (cfg.signal?.aborted) throw new DataError(label(item.output, '<stdout>'), 'interrupted');
      const out = await anonymizeFrames(runtime, batch, width, height, {
        size,
        sideBySide: cfg.sideBySide,
        channels: 4,
      });
      job.write(out.pixels, batch.length);
      rms.push(...out.rms);
      progress.tick(batch.length);
      // libtorch's forward is synchronous: without a turn of the event loop per batch, queued
      // frames would keep it busy and signals (Ctrl-C) would wait until the end.
      await new Promise((r) => setImmediate(r));
    }
    // A header promising more frames than decode, or ffmpeg's complaints: truncated or corrupt.
    const expected = info?.headerFrames && !cfg.preview ? info.headerFrames : null;
    const short = expected !== null && rms.length < expected;
    check = { decoded: rms.length, expected, damage: job.damage, partial: short || job.damage.count > 0 };
    if (check.partial && !cfg.allowPartial) {
      const why = [
        short ? `only ${rms.length} of the ${expected} frames in its header decode` : '',
        job.damage.count
          ? `ffmpeg reports damage (${job.damage.count}x: ${job.damage.first.join(' | ')})`
          : '',
      ].filter(Boolean);
      throw new PartialInput(
        label(item.input, '<stdin>'),
        `${why.join('; ')}: truncated or corrupt; nothing written (--allow-partial keeps the ${rms.length} frames that decode)`,
        check,
      );
    }
    frames = await job.finish();
  } catch (e) {
    await job.abort();
    progress.end('failed');
    throw e;
  }
  progress.end('done');
  const seconds = (performance.now() - t0) / 1000;
  return {
    input: label(item.input, '-'),
    output: label(item.output, '-'),
    kind: 'video',
    status: 'done',
    frames,
    width: width * (cfg.sideBySide ? 2 : 1),
    height,
    seconds: Math.round(seconds * 1000) / 1000,
    fps: Math.round((frames / seconds) * 100) / 100,
    rms: rmsOf(rms),
    inputCheck: check,
  };
}

async function anonymizeImage(item: WorkItem, ctx: Context): Promise<FileSummary> {
  const t0 = performance.now();
  const input = item.input as string;
  const output = item.output as string;
  const img = await readImage(input);
  const out = await anonymizeFrames(ctx.runtime, [img.data], img.width, img.height, {
    size: ctx.size,
    sideBySide: ctx.cfg.sideBySide,
    channels: 3,
  });
  const width = img.width * (ctx.cfg.sideBySide ? 2 : 1);
  await writeImage(output, { data: out.pixels, width, height: img.height });
  const seconds = (performance.now() - t0) / 1000;
  return {
    input,
    output,
    kind: 'image',
    status: 'done',
    frames: 1,
    width,
    height: img.height,
    seconds: Math.round(seconds * 1000) / 1000,
    fps: Math.round(100 / seconds) / 100,
    rms: rmsOf(out.rms),
  };
}

export function describeSize(s: WorkingSize): string {
  return s === 'native' ? 'native' : `${s.height}x${s.width}`;
}

export function validateConfig(cfg: AnonymizeConfig): void {
  if (!Number.isInteger(cfg.batch) || cfg.batch < 1)
    throw new UsageError(`--batch must be a positive integer, got ${cfg.batch}`);
  if (cfg.codec && !CODECS.includes(cfg.codec))
    throw new UsageError(`--codec must be one of ${CODECS.join(', ')}`);
  if (cfg.preview !== null && !(cfg.preview > 0))
    throw new UsageError(`--preview must be a positive number of seconds`);
  if (cfg.raw && cfg.input !== '-')
    throw new UsageError('--raw describes frames on stdin: use it with input -');
  if ((cfg.device ?? 'cpu') !== 'cpu' && cfg.runtime !== 'libtorch')
    throw new UsageError(
      `--device ${cfg.device}: only --runtime libtorch runs on a GPU here; onnx runs on the CPU`,
    );
  if (cfg.precision === 'bfloat16' && !bf16Pays(cfg.device ?? 'cpu'))
    throw new UsageError(
      '--precision bfloat16: this CPU has no bf16 instructions (AVX512-BF16 or AMX); oneDNN would ' +
        'emulate them, slower than float32, or have no bf16 convolution at all',
    );
  if (
    cfg.threads != null &&
    !(Number.isInteger(cfg.threads) && cfg.threads > 0 && cfg.threads <= maxThreads())
  )
    throw new UsageError(
      `--threads must be an integer from 1 to ${maxThreads()} (this machine's cores), got ${cfg.threads}`,
    );
}

/** Runs the whole job; failures of single files are in the summary, not thrown. */
export async function anonymize(cfg: AnonymizeConfig, sink: ProgressSink | null): Promise<RunSummary> {
  validateConfig(cfg);
  const t0 = performance.now();
  const plan = await planWork(cfg.input, cfg.output, cfg.force);
  // libtorch's threads are process-wide (pre- and post-processing use them too): set for the
  // run, put back after. Every core by default (VEIL_THREADS lowers it): f_A outweighs ffmpeg's
  // decoding and encoding, so leaving ffmpeg a core of its own was slower (bench:anonymize's clip,
  // unet-small at 112x112 on 2 cores: libtorch 60.8 frames/s with 2 threads against 47.8 with 1,
  // onnxruntime 69.3 against 62.0).
  const threads = cfg.threads ?? defaultThreads();
  const previousThreads = getNumThreads();
  setNumThreads(threads);
  try {
    return await run(cfg, plan, threads, sink, t0);
  } finally {
    setNumThreads(previousThreads);
  }
}

async function run(
  cfg: AnonymizeConfig,
  plan: Plan,
  threads: number,
  sink: ProgressSink | null,
  t0: number,
): Promise<RunSummary> {
  const loaded = await openAnonymizer(cfg.model, cfg.runtime, cfg.precision, threads, cfg.device ?? 'cpu');
  const fallback = safeSpecSize(loaded.model);
  const size: WorkingSize = cfg.size ?? loaded.input ?? fallback ?? 'native';
  const ctx: Context = {
    cfg,
    runtime: loaded.runtime,
    size,
    progress: new Progress(null, { label: '', unit: 'frames', stream: sink }),
  };
  const files: FileSummary[] = plan.skipped.map((s) => ({
    input: s.input as string,
    output: s.output as string,
    kind: s.kind,
    status: 'skipped',
  }));
  try {
    for (const item of plan.items) {
      if (cfg.signal?.aborted) break; // the file in progress was cleaned up; the rest are not started
      try {
        files.push(await (item.kind === 'image' ? anonymizeImage(item, ctx) : anonymizeVideo(item, ctx)));
      } catch (e) {
        files.push({
          input: label(item.input, '-'),
          output: label(item.output, '-'),
          kind: item.kind,
          status: 'failed',
          error: (e as Error).message,
          ...(e instanceof PartialInput ? { inputCheck: e.check } : {}),
        });
      }
    }
  } finally {
    await loaded.runtime.dispose();
  }
  const seconds = (performance.now() - t0) / 1000;
  const frames = files.reduce((a, f) => a + (f.frames ?? 0), 0);
  return {
    model: loaded.model,
    runtime: cfg.runtime,
    size: describeSize(size),
    files,
    done: files.filter((f) => f.status === 'done').length,
    skipped: files.filter((f) => f.status === 'skipped').length,
    failed: files.filter((f) => f.status === 'failed').length,
    frames,
    seconds: Math.round(seconds * 1000) / 1000,
    fps: Math.round((frames / seconds) * 100) / 100,
  };
}

/** The zoo's working size for a model (its paper-size input), when the name is known. */
function safeSpecSize(model: string): WorkingSize | null {
  try {
    const [, h, w] = modelSpec(model).paperInput as [number, number, number];
    return { height: h, width: w };
  } catch {
    return null;
  }
}
