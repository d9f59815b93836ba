// The method's flags, shared by `veil pretrain`, `veil train` and `veil eval`: each sets the
// config field of the same name (src/runs/options.ts turns them into a MethodConfig); left out,
// the field keeps the --preset's value, which the help shows for both presets.
import type { MethodConfig } from '../method/config.js';
import { DISTORTIONS } from '../method/losses.js';
import { presetConfig } from '../runs/options.js';
import { DEMO_VIDEO_FRAMES, demoConfig } from '../runs/presets.js';
import { DEVICE, type FlagSpec, WORKSPACE } from './flags.js';
import { LOADER_FLAGS } from './loader.js';
import { bf16Pays } from '../torch/index.js';

const DEMO = presetConfig('demo');
const PAPER = presetConfig('paper');
/** veil eval's judges: their batch sizes when --clips-per-batch and --images-per-batch are left out. */
const JUDGES = demoConfig('').protocol;
/** "demo preset 0.05, paper 0.3". */
const preset = (f: (c: MethodConfig) => unknown): string => {
  const [d, p] = [String(f(DEMO)), String(f(PAPER))];
  return d === p ? `${d} in both presets` : `demo preset ${d}, paper ${p}`;
};
const netName = (n: MethodConfig['fA']): string =>
  Object.keys(n.options).length ? `${n.name}:${JSON.stringify(n.options)}` : n.name;

export const METHOD_FLAGS = [
  {
    name: 'data',
    type: 'string',
    placeholder: 'DIR',
    help: 'the dataset: UCF-101/ + ucfTrainTestlist/ and vispr/ (veil data synth -o DIR writes one)',
  },
  {
    name: 'action-data',
    type: 'string',
    placeholder: 'DIR',
    defaultText: '--data',
    help: 'the action videos: a UCF101 or HMDB51 tree',
  },
  {
    name: 'action-format',
    type: 'string',
    choices: ['ucf101', 'hmdb51'],
    defaultText: 'found from the split files',
    help: "--action-data's layout",
  },
  {
    name: 'privacy-data',
    type: 'string',
    placeholder: 'DIR',
    defaultText: '--data/vispr',
    help:
      'the privacy data: a VISPR tree (annotations/ and {train,val,test}2017/), a PA-HMDB51 tree (PrivacyAttributes/; ' +
      "HMDB51's videos and split files from --action-data), or a VP-UCF101 / VP-HMDB51 CSV labelling --action-data's videos",
  },
  {
    name: 'privacy-format',
    type: 'string',
    choices: ['vispr', 'pahmdb51', 'vp'],
    defaultText: 'found from what --privacy-data holds (a .csv is vp)',
    help: "--privacy-data's layout",
  },
  {
    name: 'attributes',
    type: 'string',
    placeholder: 'SET',
    defaultText: 'vispr1 (--variant novel: vispr2)',
    help: "VISPR's attributes: vispr1, vispr2 (SPAct's novel set) or ids like a4_gender,a6_hair_color",
  },
  { name: 'split', type: 'int', min: 1, max: 3, default: 1, help: 'the UCF101 or HMDB51 split' },
  WORKSPACE,
  {
    name: 'preset',
    type: 'string',
    choices: ['demo', 'paper'],
    default: 'demo',
    help: "where every setting below starts: the CPU demo's sizes or the paper's",
  },
  {
    name: 'size',
    type: 'int',
    min: 8,
    max: 4096,
    placeholder: 'PX',
    defaultText: preset((c) => c.clip.size),
    help: 'frame and image side in pixels',
  },
  {
    name: 'frames',
    type: 'int',
    min: 1,
    max: 1024,
    placeholder: 'T',
    defaultText: preset((c) => c.clip.frames),
    help: 'frames per clip',
  },
  {
    name: 'stride',
    type: 'int',
    min: 1,
    max: 64,
    placeholder: 'S',
    defaultText: preset((c) => c.clip.stride),
    help: 'frame stride of a clip',
  },
  {
    name: 'video-frames',
    type: 'int',
    min: 1,
    default: DEMO_VIDEO_FRAMES,
    placeholder: 'F',
    help: "frames read per video of --data (the demo's SynthPAR videos have that many)",
  },
  {
    name: 'variant',
    type: 'string',
    choices: ['known', 'novel'],
    default: 'known',
    help: "the dataset's classes and attributes: known, or SynthPAR's novel ones (VISPR-2 attributes)",
  },
  {
    name: 'f-a',
    type: 'string',
    placeholder: 'NAME[:JSON]',
    defaultText: preset((c) => netName(c.fA)),
    help: 'the anonymizer f_A (a zoo name, options as JSON after the colon; veil models lists them)',
  },
  {
    name: 'f-t',
    type: 'string',
    placeholder: 'NAME[:JSON]',
    defaultText: preset((c) => netName(c.fT)),
    help: 'the action model f_T',
  },
  {
    name: 'f-b',
    type: 'string',
    placeholder: 'NAME[:JSON]',
    defaultText: preset((c) => netName(c.fB)),
    help: 'the privacy encoder f_B',
  },
  {
    name: 'backbones',
    type: 'string',
    placeholder: 'DIR',
    defaultText: 'none: f_T, f_B and the judges start from scratch',
    help: "pretrain, train: f_T's and f_B's start (veil pretrain backbones --for method); eval: the judges' (--for judges)",
  },
  {
    name: 'action-init',
    type: 'string',
    placeholder: 'FILE',
    defaultText: "--backbones' action backbone",
    help: "pretrain, train: f_T's start; eval: the action judges'. A PyTorch or safetensors state dict (torchvision r3d_18/r2plus1d_18 Kinetics-400, the paper's I3D-R50): fc left out, the rest strict",
  },
  {
    name: 'privacy-init',
    type: 'string',
    placeholder: 'FILE',
    defaultText: "--backbones' privacy backbone",
    help: "pretrain, train: f_B's start (projection head fresh); eval: the attackers'. e.g. torchvision resnet18/50 ImageNet .pth, fc left out",
  },
  {
    name: 'budget',
    short: 'B',
    type: 'number',
    min: 0,
    placeholder: 'B',
    defaultText: preset((c) => c.B),
    help: "the distortion budget B of L_penalty (config field 'B')",
  },
  {
    name: 'distortion',
    type: 'string',
    choices: DISTORTIONS,
    defaultText: 'rms',
    help: "what B bounds: rms (the paper: RMS(X - f_A(X))) or motion (RMS of the distortion's change between frames: appearance free, motion kept)",
  },
  {
    name: 'lambda',
    type: 'number',
    min: 0,
    defaultText: preset((c) => c.lambda),
    help: 'weight of L_penalty; 0 is SPAct (with --lambda-rule dual: where lambda starts)',
  },
  {
    name: 'lambda-rule',
    type: 'string',
    choices: ['fixed', 'dual'],
    defaultText: preset((c) => c.lambdaRule),
    help: 'fixed (the paper) or dual: lambda adapted by dual ascent on RMS <= B, so the budget holds',
  },
  {
    name: 'dual-lr',
    type: 'number',
    min: 0,
    defaultText: preset((c) => c.dualLr),
    help: "--lambda-rule dual's step: lambda += X (D - B) after every f_A step, never below 0 (D: what --distortion names)",
  },
  {
    name: 'w-t',
    type: 'number',
    min: 0,
    defaultText: preset((c) => c.wT),
    help: 'weight of the action loss',
  },
  {
    name: 'w-b',
    type: 'number',
    min: 0,
    defaultText: preset((c) => c.wB),
    help: 'weight of the privacy loss',
  },
  {
    name: 'lr-a',
    type: 'number',
    min: 0,
    max: 1,
    defaultText: preset((c) => c.lrA),
    help: 'learning rate of f_A',
  },
  {
    name: 'lr-t',
    type: 'number',
    min: 0,
    max: 1,
    defaultText: preset((c) => c.lrT),
    help: 'learning rate of f_T',
  },
  {
    name: 'lr-b',
    type: 'number',
    min: 0,
    max: 1,
    defaultText: preset((c) => c.lrB),
    help: 'learning rate of f_B',
  },
  { name: 'epochs', type: 'int', min: 0, defaultText: preset((c) => c.epochs), help: 'minimax epochs' },
  {
    name: 'clips-per-batch',
    type: 'int',
    min: 1,
    defaultText: preset((c) => c.clipsPerBatch),
    help: `clips per minimax batch (veil eval: per action-judge batch, default ${JUDGES.clipsPerBatch})`,
  },
  {
    name: 'images-per-batch',
    type: 'int',
    min: 2,
    defaultText: preset((c) => c.imagesPerBatch),
    help: `privacy images per minimax batch (veil eval: per attacker batch, default ${JUDGES.imagesPerBatch})`,
  },
  {
    name: 'penalty-grad',
    type: 'string',
    choices: ['hinge', 'none'],
    defaultText: preset((c) => c.penaltyGrad),
    help: 'none reproduces the released code (no gradient through the penalty)',
  },
  {
    name: 'adversaries',
    type: 'int',
    min: 1,
    max: 64,
    placeholder: 'M',
    defaultText: preset((c) => c.adversaries.count),
    help: "beyond the paper: M f_B's (the pre-trained one, the others with heads of their own seeds); f_A faces the strongest on each anchor",
  },
  {
    name: 'adversary-reinit-every',
    type: 'int',
    min: 0,
    placeholder: 'K',
    defaultText: preset((c) => c.adversaries.reinitEvery),
    help: 'restart each f_B every K batches (staggered across the ensemble; 0: never)',
  },
  {
    name: 'adversary-reinit-from',
    type: 'string',
    choices: ['pretrained', 'scratch'],
    defaultText: preset((c) => c.adversaries.reinitFrom),
    help: "what a restarted f_B starts from: its pre-trained weights (Wu et al.'s restart) or fresh random ones",
  },
  {
    name: 'adversary-warmup',
    type: 'int',
    min: 0,
    placeholder: 'N',
    defaultText: preset((c) => c.adversaries.warmup),
    help: "batches a restarted f_B trains alone on the current f_A's output before f_A faces it",
  },
  {
    name: 'temperature',
    type: 'number',
    min: 1e-6,
    defaultText: preset((c) => c.temperature),
    help: 'NT-Xent temperature',
  },
  { name: 'seed', type: 'int', min: 0, defaultText: preset((c) => c.seed), help: 'training seed' },
  {
    name: 'checkpoint-every',
    type: 'int',
    min: 0,
    defaultText: preset((c) => c.checkpointEvery),
    help: 'also checkpoint every N batches (0: at the end of each epoch only)',
  },
  {
    name: 'autocast',
    type: 'boolean',
    help:
      'bfloat16 autocast where the device has bf16 hardware: a GPU, or a CPU with AVX512-BF16 or AMX ' +
      `(this CPU: ${bf16Pays('cpu') ? 'yes' : 'no'}); elsewhere float32 (on in the demo preset, ${PAPER.autocast ? 'on' : 'off'} in the paper's)`,
  },
  DEVICE,
  ...LOADER_FLAGS,
] as const satisfies readonly FlagSpec[];
