// The zoo by name: `createModel('r3d-18', { classes: 101 })`. Each entry says its role, its
// options with defaults, and the input sizes it is benchmarked at: the paper's, and the CPU
// demo's. Unknown names and bad options fail with what exists.
import type { MemoryFormat } from '../torch/index.js';
import { I3DResNet50 } from './i3d_resnet.js';
import type { ModelKind, Network } from './network.js';
import { MotionUNet } from './motion_unet.js';
import { privacyResNet, type PrivacyHead } from './privacy.js';
import { UNet } from './unet.js';
import { UnetPlusPlus } from './unetpp.js';
import { VideoResNet } from './video_resnet.js';

type OptionValue = number | boolean | string | number[];

interface OptionSpec {
  type: 'int' | 'number' | 'bool' | 'int[]' | 'enum';
  default: OptionValue;
  doc: string;
  min?: number;
  max?: number;
  values?: readonly string[];
}

export type ModelOptions = Record<string, OptionValue>;

export interface ModelSpec {
  name: string;
  kind: ModelKind;
  description: string;
  options: Record<string, OptionSpec>;
  /** One sample's input (no batch dim) at the paper's size and at the CPU demo's. */
  paperInput: readonly number[];
  demoInput: readonly number[];
  /**
   * The layout its weights (and so its activations) take, chosen by measurement: a training step
   * on this 2-core CPU (libtorch 1.13, oneDNN, 1 thread as in a lane; `npm run bench:models --
   * --formats` measures the other layout) at the demo's 32x32, batch 32, bf16 autocast as the demo
   * trains: unet-small (width 8) 59.7 -> 46.2 ms channels-last (1.29x), resnet-small (width 8, small
   * stem) 24.4 -> 21.4 ms (1.14x); in float32 1.55x and 1.19x; earlier, unetpp-r18 at 112x112 1.07x
   * and resnet18 1.03x. r3d-small is 1-6% slower in channels_last_3d, so the 3D networks keep
   * PyTorch's default. (Channels-last was off for a while: a strided 1x1 convolution's bf16 weight
   * gradient corrupts the heap in this oneDNN; F.conv2d/conv3d now run those as stride-1 ones.)
   */
  memoryFormat: MemoryFormat;
  build(o: ModelOptions): Network;
}

/** Demo sizes: what two CPU cores train in minutes. */
const DEMO_IMAGE = [3, 64, 64];
const DEMO_CLIP = [3, 8, 64, 64];

const classes = (d: number): OptionSpec => ({ type: 'int', default: d, min: 1, doc: 'output classes' });
const width = (d: number): OptionSpec => ({
  type: 'int',
  default: d,
  min: 1,
  doc: 'channels of the first stage',
});
const privacyOptions = (w: number): Record<string, OptionSpec> => ({
  head: {
    type: 'enum',
    default: 'projection',
    values: ['projection', 'classifier', 'none'],
    doc: 'projection: SSL MLP with L2-normalised output; classifier: multi-label attribute logits',
  },
  dim: { type: 'int', default: 128, min: 1, doc: 'projection output size' },
  hidden: { type: 'int', default: 0, min: 0, doc: 'projection hidden size (0: as wide as the features)' },
  classes: { type: 'int', default: 7, min: 1, doc: 'attributes of the classifier head (VISPR-1: 7)' },
  width: width(w),
  smallStem: {
    type: 'bool',
    default: false,
    doc: '3x3 stride-1 stem, no max-pool (the CIFAR / SimCLR adaptation for 32-pixel images)',
  },
});

function privacyHead(o: ModelOptions): PrivacyHead {
  if (o.head === 'classifier') return { type: 'classifier', classes: o.classes as number };
  if (o.head === 'none') return { type: 'none' };
  return { type: 'projection', dim: o.dim as number, hidden: (o.hidden as number) || undefined };
}

/** f_B: a torchvision ResNet of `depth` at base width `w`, with its head chosen by option. */
const privacySpec = (
  name: string,
  description: string,
  depth: 18 | 50,
  w = 64,
  layers?: readonly [number, number, number, number],
): ModelSpec => ({
  name,
  kind: 'privacy',
  description,
  options: privacyOptions(w),
  paperInput: [3, 224, 224],
  demoInput: DEMO_IMAGE,
  memoryFormat: 'channels_last',
  build: (o) =>
    privacyResNet({
      depth,
      head: privacyHead(o),
      width: o.width as number,
      layers,
      smallStem: o.smallStem as boolean,
    }),
});

/** SPAct's UNet at base width `w` (64: SPAct's own). */
const unetSpec = (name: string, description: string, w: number): ModelSpec => ({
  name,
  kind: 'anonymizer',
  description,
  options: {
    width: width(w),
    convBias: { type: 'bool', default: false, doc: 'biases in the 3x3 convolutions' },
  },
  paperInput: [3, 112, 112],
  demoInput: DEMO_IMAGE,
  memoryFormat: 'channels_last',
  build: (o) => new UNet({ width: o.width as number, convBias: o.convBias as boolean }),
});

const SPECS: ModelSpec[] = [
  unetSpec('unet', "SPAct's f_A: UNet 64-128-256-512-512, bilinear up-sampling, sigmoid", 64),
  {
    name: 'unetpp-r18',
    kind: 'anonymizer',
    description: "the paper's f_A: UNet++ (smp 0.3 layout), ResNet-18 encoder depth 4, decoder 256-128-64-32",
    options: {
      encoderDepth: { type: 'int', default: 4, min: 3, max: 5, doc: 'encoder stages used' },
      decoderChannels: { type: 'int[]', default: [256, 128, 64, 32], doc: 'one per encoder stage' },
      keepLayer4: { type: 'bool', default: true, doc: 'carry the unused encoder layer4 (as smp 0.3 does)' },
      sigmoid: { type: 'bool', default: true, doc: "sigmoid output (the released code's lacks it)" },
    },
    paperInput: [3, 224, 224],
    demoInput: DEMO_IMAGE,
    memoryFormat: 'channels_last',
    build: (o) =>
      new UnetPlusPlus({
        encoderDepth: o.encoderDepth as number,
        decoderChannels: o.decoderChannels as number[],
        keepLayer4: o.keepLayer4 as boolean,
        sigmoid: o.sigmoid as boolean,
      }),
  },
  unetSpec('unet-small', 'CPU f_A (the demo default): the SPAct UNet at base width 16', 16),
  {
    name: 'unet-motion',
    kind: 'anonymizer',
    description:
      'motion-aware f_A (beyond the paper): the SPAct UNet fed each frame and its difference to the frame gap before',
    options: {
      width: width(16),
      convBias: { type: 'bool', default: false, doc: 'biases in the 3x3 convolutions' },
      gap: {
        type: 'int',
        default: 1,
        min: 1,
        doc: 'video frames between a frame and the one it is compared with (the training clip stride)',
      },
    },
    paperInput: [3, 112, 112],
    demoInput: DEMO_IMAGE,
    memoryFormat: 'channels_last',
    build: (o) =>
      new MotionUNet({ width: o.width as number, convBias: o.convBias as boolean, gap: o.gap as number }),
  },
  {
    name: 'r3d-18',
    kind: 'action',
    description: "SPAct's f_T: torchvision r3d_18",
    options: {
      classes: classes(400),
      layer4KeepsTime: {
        type: 'bool',
        default: false,
        doc: "SPAct's variant: layer4 stride (1,2,2), temporal dilation 2",
      },
    },
    paperInput: [3, 16, 112, 112],
    demoInput: DEMO_CLIP,
    memoryFormat: 'contiguous_format',
    build: (o) =>
      new VideoResNet({
        conv: '3d',
        classes: o.classes as number,
        layer4KeepsTime: o.layer4KeepsTime as boolean,
      }),
  },
  {
    name: 'r2plus1d-18',
    kind: 'action',
    description: 'torchvision r2plus1d_18',
    options: { classes: classes(400) },
    paperInput: [3, 16, 112, 112],
    demoInput: DEMO_CLIP,
    memoryFormat: 'contiguous_format',
    build: (o) => new VideoResNet({ conv: '2plus1d', classes: o.classes as number }),
  },
  {
    name: 'i3d-r50',
    kind: 'action',
    description: "the paper's f_T: I3D-ResNet-50 (inflated bottlenecks 3,4,6,3; conv1 5x7x7; dropout 0.5)",
    options: {
      classes: classes(400),
      dropout: { type: 'number', default: 0.5, min: 0, max: 1, doc: 'dropout before fc' },
    },
    paperInput: [3, 16, 224, 224],
    demoInput: DEMO_CLIP,
    memoryFormat: 'contiguous_format',
    build: (o) => new I3DResNet50({ classes: o.classes as number, dropout: o.dropout as number }),
  },
  {
    name: 'r3d-small',
    kind: 'action',
    description: 'CPU f_T: R3D with one block per stage at base width 16',
    options: { classes: classes(101), width: width(16) },
    paperInput: [3, 16, 112, 112],
    demoInput: DEMO_CLIP,
    memoryFormat: 'contiguous_format',
    build: (o) =>
      new VideoResNet({
        conv: '3d',
        classes: o.classes as number,
        width: o.width as number,
        layers: [1, 1, 1, 1],
      }),
  },
  privacySpec('resnet18', 'f_B: torchvision resnet18 + projection (512-512-ReLU-128) or attribute head', 18),
  privacySpec(
    'resnet50',
    "the paper's f_B: torchvision resnet50 + projection (2048-2048-ReLU-128) or attribute head",
    50,
  ),
  privacySpec(
    'resnet-small',
    'CPU f_B: ResNet with one basic block per stage at base width 16',
    18,
    16,
    [1, 1, 1, 1],
  ),
];

export function modelNames(): string[] {
  return SPECS.map((s) => s.name);
}

export function modelSpec(name: string): ModelSpec {
  const s = SPECS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown model '${name}'; the zoo has: ${modelNames().join(', ')}`);
  return s;
}

export function listModels(kind?: ModelKind): ModelSpec[] {
  return SPECS.filter((s) => !kind || s.kind === kind);
}

function checkOption(model: string, key: string, spec: OptionSpec, v: unknown): OptionValue {
  const bad = (want: string): never => {
    throw new Error(
      `model '${model}': option '${key}' must be ${want}, got ${JSON.stringify(v)} (${spec.doc})`,
    );
  };
  const inRange = (n: number): boolean =>
    (spec.min === undefined || n >= spec.min) && (spec.max === undefined || n <= spec.max);
  const range = `${spec.min ?? '-inf'}..${spec.max ?? 'inf'}`;
  switch (spec.type) {
    case 'bool':
      return typeof v === 'boolean' ? v : bad('true or false');
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && inRange(v) ? v : bad(`an integer in ${range}`);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v) && inRange(v) ? v : bad(`a number in ${range}`);
    case 'int[]':
      return Array.isArray(v) && v.length > 0 && v.every((e) => Number.isInteger(e) && e > 0)
        ? (v as number[])
        : bad('a non-empty list of positive integers');
    case 'enum':
      return typeof v === 'string' && spec.values?.includes(v) ? v : bad(`one of ${spec.values?.join(', ')}`);
  }
}

/** The options with defaults filled in, checked against the model's spec. */
export function resolveOptions(name: string, options: Record<string, unknown> = {}): ModelOptions {
  const spec = modelSpec(name);
  const out: ModelOptions = {};
  for (const k of Object.keys(options)) {
    if (!(k in spec.options)) {
      const known = Object.keys(spec.options);
      throw new Error(
        `model '${name}' has no option '${k}'; its options: ${known.length ? known.join(', ') : 'none'}`,
      );
    }
  }
  for (const [k, o] of Object.entries(spec.options)) {
    out[k] = k in options && options[k] !== undefined ? checkOption(name, k, o, options[k]) : o.default;
  }
  return out;
}

/** Builds a network of the zoo with fresh (reference-style) initial weights. */
export function createModel(name: string, options: Record<string, unknown> = {}): Network {
  const resolved = resolveOptions(name, options);
  const spec = modelSpec(name);
  const net = spec.build(resolved);
  if (spec.memoryFormat !== 'contiguous_format') net.to({ memoryFormat: spec.memoryFormat });
  net.origin = { model: name, options: resolved };
  return net;
}
