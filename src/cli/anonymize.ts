// `veil anonymize IN -o OUT --model CKPT`: parse the flags, run, print the JSON summary.
import { writeFileSync } from 'node:fs';

import { UsageError } from '../data/errors.js';
import { anonymize, anonymizeConfig } from '../deploy/anonymize.js';
import { auditFile, type FileAudit } from '../deploy/audit.js';
import { Detector } from '../deploy/detector.js';
import { CODECS, STREAM_FORMATS } from '../deploy/containers.js';
import type { WorkingSize } from '../deploy/frames.js';
import { deviceOption } from '../runs/options.js';
import { maxThreads } from '../torch/index.js';
import { DEVICE, defineCommand, execute, parseSize, QUIET } from './flags.js';

/** The exit code of a run stopped by a signal: 128 + its number, as a shell reports it. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export const command = defineCommand({
  name: 'anonymize',
  summary: 'apply a trained anonymizer to videos, images, folders or stdin',
  usage: 'IN -o OUT --model CKPT [options]',
  description:
    'Output keeps the frame count, timestamps, duration, resolution, rotation, audio and metadata; a\n' +
    'partial output never appears under the final name. Prints a JSON summary (on stderr when OUT is -).\n' +
    'Ctrl-C finishes the batch in hand, removes the output in progress, prints the summary, exits 130.',
  positionals: [
    {
      name: 'IN',
      required: true,
      help: 'a video (mp4, avi, mkv, webm, mov), an image (png, jpg), a folder (walked recursively, mirrored into OUT), or - for a video stream on stdin',
    },
  ],
  flags: [
    {
      name: 'output',
      short: 'o',
      type: 'string',
      required: true,
      placeholder: 'OUT',
      help: 'output file, folder, or - for stdout',
    },
    {
      name: 'model',
      type: 'string',
      required: true,
      placeholder: 'CKPT',
      help: 'f_A checkpoint (.safetensors with its model named in the metadata) or exported .onnx',
    },
    {
      name: 'runtime',
      type: 'string',
      choices: ['libtorch', 'onnx'],
      default: 'libtorch',
      help: 'inference engine (onnx: onnxruntime-node)',
    },
    {
      name: 'precision',
      type: 'string',
      choices: ['float32', 'bfloat16'],
      default: 'float32',
      help: 'libtorch compute type',
    },
    {
      name: 'size',
      type: 'string',
      placeholder: 'HxW|N|native',
      defaultText: "the checkpoint's training size",
      help: "where f_A runs: resized to HxW and back, or at the native size padded to the network's stride",
    },
    { name: 'batch', type: 'int', min: 1, default: 8, help: 'frames per inference batch' },
    {
      name: 'threads',
      type: 'int',
      min: 1,
      max: maxThreads,
      maxText: "this machine's cores",
      defaultText: 'every core (VEIL_THREADS)',
      help: 'inference threads',
    },
    DEVICE,
    {
      name: 'codec',
      type: 'string',
      choices: CODECS,
      defaultText: "the container's",
      placeholder: 'CODEC',
      help: 'video codec of the output',
    },
    {
      name: 'crf',
      type: 'int',
      min: 0,
      max: 63,
      defaultText: "the codec's",
      help: 'quality: h264/h265/vp9 CRF, mjpeg/mpeg4 quantiser',
    },
    {
      name: 'no-audio',
      type: 'boolean',
      help: 'drop the audio (copied by default, re-encoded only if the container needs it)',
    },
    { name: 'side-by-side', type: 'boolean', help: 'raw and anonymized next to each other, for review' },
    {
      name: 'preview',
      type: 'number',
      min: 0,
      placeholder: 'SECONDS',
      defaultText: 'everything',
      help: 'anonymize only the first SECONDS',
    },
    {
      name: 'force',
      type: 'boolean',
      help: 'redo outputs that already exist (a folder skips them by default)',
    },
    {
      name: 'allow-partial',
      type: 'boolean',
      help: 'accept an input that ends early or is damaged (the summary counts what was read)',
    },
    {
      name: 'raw',
      type: 'string',
      placeholder: 'WxH',
      help: 'stdin carries raw frames of this size (see --fps, --pix-fmt)',
    },
    { name: 'fps', type: 'number', min: 0, default: 25, help: 'frame rate of --raw frames' },
    {
      name: 'pix-fmt',
      type: 'string',
      default: 'rgb24',
      placeholder: 'FMT',
      help: 'pixel format of --raw frames',
    },
    {
      name: 'format',
      type: 'string',
      choices: Object.keys(STREAM_FORMATS),
      defaultText: 'rawvideo for --raw input, else matroska',
      help: 'container on stdout',
    },
    { name: 'summary', type: 'string', placeholder: 'FILE', help: 'also write the JSON summary there' },
    {
      name: 'audit',
      type: 'boolean',
      help: 'look for faces and people (an independent detector, @vladmandic/human) in sampled frames of each input and its output; the summary says where a face is still found',
    },
    {
      name: 'audit-frames',
      type: 'int',
      min: 1,
      max: 1000,
      default: 8,
      help: 'frames sampled evenly through each video for --audit',
    },
    { ...QUIET, help: 'no progress line on stderr' },
  ],
  async run({ values: v, positionals }) {
    const size: WorkingSize | null =
      v.size === undefined ? null : v.size === 'native' ? 'native' : parseSize(v.size, '--size');
    // --raw is WxH, as ffmpeg writes sizes (--size is HxW, as tensors are).
    const wh = v.raw === undefined ? null : parseSize(v.raw, '--raw');
    const raw = wh && { width: wh.height, height: wh.width, fps: v.fps, pixFmt: v['pix-fmt'] };
    if (v.audit && (positionals[0] === '-' || v.output === '-'))
      throw new UsageError('--audit reads the input and the output again: not with - (a stream)');
    if (v.audit && v['side-by-side'])
      throw new UsageError(
        '--audit compares each output frame with its input frame: not with --side-by-side',
      );
    const cfg = anonymizeConfig(positionals[0] as string, v.output, v.model, {
      runtime: v.runtime,
      precision: v.precision,
      size,
      batch: v.batch,
      codec: v.codec ?? null,
      crf: v.crf ?? null,
      audio: !v['no-audio'],
      sideBySide: v['side-by-side'],
      preview: v.preview ?? null,
      force: v.force,
      allowPartial: v['allow-partial'],
      raw,
      format: v.format ?? null,
      threads: v.threads ?? null,
      device: deviceOption(v.device),
    });
    // Ctrl-C or a kill: finish the batch in hand, remove the partial output, report, exit 128 + signal.
    const stop = new AbortController();
    let signal: string | null = null;
    const onSignal = (s: NodeJS.Signals): void => {
      signal ??= s;
      stop.abort();
    };
    process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
    let result;
    try {
      result = await anonymize({ ...cfg, signal: stop.signal }, v.quiet ? null : process.stderr);
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    }
    if (v.audit && !signal) {
      const detector = await Detector.create();
      for (const f of result.files.filter((x) => x.status === 'done')) {
        const a = await auditFile(detector, f, v['audit-frames']);
        (f as typeof f & { audit?: FileAudit }).audit = a;
        if (!v.quiet) process.stderr.write(`audit: ${f.output}: ${a.verdict}\n`);
      }
    }
    const json = JSON.stringify(result, null, 2);
    if (v.summary) writeFileSync(v.summary, `${json}\n`);
    // With the video on stdout, the summary goes to stderr.
    (cfg.output === '-' ? process.stderr : process.stdout).write(`${json}\n`);
    for (const f of result.files.filter((x) => x.status === 'failed')) console.error(`failed: ${f.error}`);
    if (signal) return SIGNAL_EXIT[signal] ?? 1;
    return result.failed > 0 ? 1 : 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
