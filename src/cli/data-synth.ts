// `veil data synth`: writes SynthPAR to disk in the official layouts, with a progress bar.
import { parseArgs } from 'node:util';

import { Progress } from '../data/progress.js';
import { type VideoLayout, VARIANTS, type Variant, writeSynthPAR } from '../data/synthpar/index.js';
import type { VideoCodec } from '../data/video/encode.js';

const USAGE = `usage: veil data synth --out DIR --clips N [--images M] [--size S|WxH] [--frames T] [--seed K]
                       [--variant known|novel] [--layout ucf101|hmdb51] [--codec mjpeg|ffv1|h264] [--fps F]
  Renders N SynthPAR clips of T frames (default 32) at S x S pixels (default 112) as a UCF101 tree
  (or HMDB51 with PA-HMDB51 attributes), M privacy images (default N) as a VISPR tree, person boxes
  in boxes.json and a description in synthpar.json. The same seed gives the same dataset.`;

export interface SynthArgs {
  out: string;
  clips: number;
  images: number | undefined;
  width: number;
  height: number;
  frames: number;
  seed: number;
  variant: Variant;
  layout: VideoLayout;
  codec: VideoCodec;
  fps: number;
}

function count(flag: string, v: string | undefined, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${flag} takes an integer >= ${min}, got ${v ?? 'nothing'}`);
  return n;
}

function oneOf<T extends string>(flag: string, v: string | undefined, allowed: readonly T[], fallback: T): T {
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v))
    throw new Error(`--${flag} takes ${allowed.join('|')}, got ${v}`);
  return v as T;
}

export function parseSynthArgs(argv: string[]): SynthArgs | 'help' {
  const names = ['out', 'clips', 'images', 'size', 'frames', 'seed', 'variant', 'layout', 'codec', 'fps'];
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(names.map((k) => [k, { type: 'string' as const }])),
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const str = (k: string): string | undefined => {
    const v = (values as Record<string, string | boolean | undefined>)[k];
    return typeof v === 'string' ? v : undefined;
  };
  const out = str('out');
  if (!out) throw new Error('--out DIR is required');
  if (str('clips') === undefined) throw new Error('--clips N is required');
  const size = str('size') ?? '112';
  const m = /^(\d+)(?:x(\d+))?$/.exec(size);
  if (!m) throw new Error(`--size takes S or WxH, got ${size}`);
  const width = count('size', m[1], 8);
  const height = count('size', m[2] ?? m[1], 8);
  return {
    out,
    clips: count('clips', str('clips'), 1),
    images: str('images') === undefined ? undefined : count('images', str('images'), 0),
    width,
    height,
    frames: count('frames', str('frames') ?? '32', 1),
    seed: count('seed', str('seed') ?? '0', 0),
    variant: oneOf('variant', str('variant'), VARIANTS, 'known'),
    layout: oneOf('layout', str('layout'), ['ucf101', 'hmdb51'] as const, 'ucf101'),
    codec: oneOf('codec', str('codec'), ['mjpeg', 'ffv1', 'h264'] as const, 'mjpeg'),
    fps: count('fps', str('fps') ?? '25', 1),
  };
}

export async function run(argv: string[]): Promise<number> {
  let a: SynthArgs | 'help';
  try {
    a = parseSynthArgs(argv);
  } catch (e) {
    console.error(`veil data synth: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (a === 'help') {
    console.log(USAGE);
    return 0;
  }
  const bar = new Progress(a.clips + (a.images ?? a.clips), { label: 'SynthPAR', unit: 'files' });
  const s = await writeSynthPAR({ ...a, onProgress: () => bar.tick() });
  bar.finish();
  console.log(
    `wrote ${s.videos} clips (${s.videoRoot}/, lists in ${s.splitRoot}/) and ${s.images} images (${s.visprRoot}/) to ${s.root}`,
  );
  return 0;
}
