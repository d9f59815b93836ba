// `veil data synth -o DIR --clips N`: writes SynthPAR to disk in the official layouts, with a
// progress bar.
import { Progress } from '../data/progress.js';
import { type VideoLayout, VARIANTS, type Variant, writeSynthPAR } from '../data/synthpar/index.js';
import type { VideoCodec } from '../data/video/encode.js';
import { defineCommand, execute, parse, parseSize, QUIET, type Values } from './flags.js';

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

const FLAGS = [
  {
    name: 'output',
    short: 'o',
    type: 'string',
    required: true,
    placeholder: 'DIR',
    help: 'the folder to write (UCF-101/, ucfTrainTestlist/, vispr/, boxes.json, synthpar.json)',
  },
  { name: 'clips', type: 'int', min: 1, required: true, placeholder: 'N', help: 'action clips to render' },
  {
    name: 'images',
    type: 'int',
    min: 0,
    placeholder: 'M',
    defaultText: 'as many as --clips',
    help: 'privacy images (VISPR layout)',
  },
  {
    name: 'size',
    type: 'string',
    default: '112',
    placeholder: 'S|WxH',
    help: 'frame size in pixels (each side >= 8)',
  },
  { name: 'frames', type: 'int', min: 1, default: 32, placeholder: 'T', help: 'frames per clip' },
  {
    name: 'seed',
    type: 'int',
    min: 0,
    default: 0,
    placeholder: 'K',
    help: 'the same seed writes the same dataset',
  },
  {
    name: 'variant',
    type: 'string',
    choices: VARIANTS as readonly Variant[],
    default: 'known',
    help: "SynthPAR's known actions and attributes, or the novel ones",
  },
  {
    name: 'layout',
    type: 'string',
    choices: ['ucf101', 'hmdb51'],
    default: 'ucf101',
    help: 'UCF101 tree, or HMDB51 with PA-HMDB51 attributes',
  },
  {
    name: 'codec',
    type: 'string',
    choices: ['mjpeg', 'ffv1', 'h264'],
    default: 'mjpeg',
    help: 'video codec',
  },
  { name: 'fps', type: 'int', min: 1, default: 25, placeholder: 'F', help: 'frame rate of the clips' },
  QUIET,
] as const;

function synthArgs(v: Values<typeof FLAGS>): SynthArgs {
  const { height: width, width: height } = parseSize(v.size, '--size', 8); // S or WxH
  return {
    out: v.output,
    clips: v.clips,
    images: v.images,
    width,
    height,
    frames: v.frames,
    seed: v.seed,
    variant: v.variant,
    layout: v.layout,
    codec: v.codec,
    fps: v.fps,
  };
}

export const command = defineCommand({
  name: 'data synth',
  summary: 'write SynthPAR to disk in the UCF101/VISPR layouts',
  usage: '-o DIR --clips N [options]',
  description:
    'Renders N SynthPAR clips of T frames as a UCF101 tree (or HMDB51 with PA-HMDB51 attributes), M privacy\n' +
    'images as a VISPR tree, person boxes in boxes.json and a description in synthpar.json.',
  positionals: [],
  flags: FLAGS,
  async run({ values }) {
    const a = synthArgs(values);
    const bar = values.quiet
      ? null
      : new Progress(a.clips + (a.images ?? a.clips), { label: 'SynthPAR', unit: 'files' });
    const s = await writeSynthPAR({ ...a, onProgress: () => bar?.tick() });
    bar?.finish();
    console.log(
      `wrote ${s.videos} clips (${s.videoRoot}/, lists in ${s.splitRoot}/) and ${s.images} images (${s.visprRoot}/) to ${s.root}`,
    );
    return 0;
  },
});

/** The arguments of `veil data synth` as writeSynthPAR takes them (throws UsageError). */
export function parseSynthArgs(argv: string[]): SynthArgs | 'help' {
  const p = parse(command, argv);
  return p === 'help' ? 'help' : synthArgs(p.values);
}

export const run = (argv: string[]): Promise<number> => execute(command, argv);
