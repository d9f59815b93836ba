// `veil anonymize IN -o OUT --model CKPT`: parse the flags, run, print the JSON summary.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { anonymize, anonymizeConfig, type AnonymizeConfig } from '../deploy/anonymize.js';
import type { Codec } from '../deploy/containers.js';
import type { WorkingSize } from '../deploy/frames.js';

const USAGE = `usage: veil anonymize IN -o OUT --model CKPT [options]
  IN        a video (mp4, avi, mkv, webm, mov), an image (png, jpg), a folder (walked
            recursively, mirrored into OUT), or - for a video stream on stdin
  -o OUT    output file, folder, or - for stdout
  --model   f_A checkpoint (.safetensors with its model named in the metadata) or exported .onnx
options:
  --runtime libtorch|onnx    inference engine (default libtorch; onnx: onnxruntime-node)
  --precision float32|bfloat16   libtorch compute type (default float32)
  --size HxW|N|native        where f_A runs: resize to HxW and back, or native size padded to
                             the network's stride (default: the checkpoint's training size)
  --batch N                  frames per inference batch (default 8)
  --threads N                inference threads (default: all cores but one, left to ffmpeg)
  --codec C                  h264, h265, vp9, mjpeg, ffv1, mpeg4 (default: the container's)
  --crf N                    quality (h264/h265/vp9 CRF; mjpeg/mpeg4 quantiser)
  --no-audio                 drop the audio (copied by default, re-encoded only if the container needs it)
  --side-by-side             raw and anonymized next to each other, for review
  --preview SECONDS          anonymize only the first SECONDS
  --force                    redo outputs that already exist (folders skip them by default)
  --raw WxH [--fps R] [--pix-fmt P]   stdin carries raw frames (default rgb24 at 25 fps)
  --format matroska|nut|rawvideo      container on stdout
  --summary FILE             also write the JSON summary there
  --quiet                    no progress line on stderr`;

function parseSize(v: string | undefined, flag: string): { height: number; width: number } {
  const m = /^(\d+)(?:x(\d+))?$/.exec(v ?? '');
  if (!m) throw new Error(`${flag} takes HxW or N, got ${v ?? 'nothing'}`);
  const h = Number(m[1]);
  const w = Number(m[2] ?? m[1]);
  if (h < 1 || w < 1) throw new Error(`${flag}: sizes must be positive`);
  return { height: h, width: w };
}

function number(v: string | undefined, flag: string): number | null {
  if (v === undefined) return null;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${flag} takes a number, got ${v}`);
  return n;
}

function parse(argv: string[]): { cfg: AnonymizeConfig; summary: string | null; quiet: boolean } | null {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      model: { type: 'string' },
      runtime: { type: 'string', default: 'libtorch' },
      precision: { type: 'string', default: 'float32' },
      size: { type: 'string' },
      batch: { type: 'string', default: '8' },
      codec: { type: 'string' },
      crf: { type: 'string' },
      'no-audio': { type: 'boolean', default: false },
      'side-by-side': { type: 'boolean', default: false },
      preview: { type: 'string' },
      force: { type: 'boolean', default: false },
      raw: { type: 'string' },
      fps: { type: 'string' },
      'pix-fmt': { type: 'string', default: 'rgb24' },
      format: { type: 'string' },
      summary: { type: 'string' },
      quiet: { type: 'boolean', default: false },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return null;
  if (positionals.length !== 1) throw new Error(`give one input (got ${positionals.length})\n${USAGE}`);
  if (!values.output) throw new Error(`-o OUT is required\n${USAGE}`);
  if (!values.model) throw new Error(`--model CKPT is required\n${USAGE}`);
  if (values.runtime !== 'libtorch' && values.runtime !== 'onnx')
    throw new Error(`--runtime must be libtorch or onnx, got ${values.runtime}`);
  if (values.precision !== 'float32' && values.precision !== 'bfloat16')
    throw new Error(`--precision must be float32 or bfloat16, got ${values.precision}`);
  const size: WorkingSize | null =
    values.size === undefined ? null : values.size === 'native' ? 'native' : parseSize(values.size, '--size');
  const raw = values.raw
    ? { ...parseSize(values.raw, '--raw'), fps: number(values.fps, '--fps') ?? 25, pixFmt: values['pix-fmt'] }
    : null;
  const cfg = anonymizeConfig(positionals[0] as string, values.output, values.model, {
    runtime: values.runtime,
    precision: values.precision,
    size,
    batch: number(values.batch, '--batch') ?? 8,
    codec: (values.codec as Codec | undefined) ?? null,
    crf: number(values.crf, '--crf'),
    audio: !values['no-audio'],
    sideBySide: values['side-by-side'],
    preview: number(values.preview, '--preview'),
    force: values.force,
    raw,
    format: values.format ?? null,
    threads: number(values.threads, '--threads'),
  });
  return { cfg, summary: values.summary ?? null, quiet: values.quiet };
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (!parsed) {
    console.log(USAGE);
    return 0;
  }
  const { cfg, summary, quiet } = parsed;
  // Ctrl-C or a kill: finish the batch in hand, remove the partial output, report, exit non-zero.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  let result;
  try {
    result = await anonymize({ ...cfg, signal: stop.signal }, quiet ? null : process.stderr);
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  const json = JSON.stringify(result, null, 2);
  if (summary) writeFileSync(summary, `${json}\n`);
  // With the video on stdout, the summary goes to stderr.
  (cfg.output === '-' ? process.stderr : process.stdout).write(`${json}\n`);
  for (const f of result.files.filter((x) => x.status === 'failed')) console.error(`failed: ${f.error}`);
  return result.failed > 0 || stop.signal.aborted ? 1 : 0;
}
