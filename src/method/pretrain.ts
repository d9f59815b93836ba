// Before the minimax (the paper's set-up): f_A pre-trained as an identity with an L1 loss on
// privacy images plus a fraction of action-video frames; f_B pre-trained with NT-Xent on two views
// of each privacy image; f_T trained on raw clips. Each returns its loss per epoch.
import { frameCount, type ImageSet, type Part, tensorOf, type VideoSet } from '../data/loader/index.js';
import { anonymizeClip, createModel, loadBackbone, type Network } from '../models/index.js';
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { MethodConfig, NetChoice } from './config.js';
import { ntXent } from './losses.js';
import { fit } from './step.js';

export type Tick = (what: string) => void;

export interface Networks {
  fA: Network;
  fT: Network;
  fB: Network;
}

/**
 * Fresh f_A, f_T (classes of the action set) and f_B (SSL projection head), seeded, each from its
 * backbone when set, on c.device: initialised on the CPU and moved, so every device starts from the
 * same weights.
 */
export function createNetworks(c: MethodConfig, classes: number): Networks {
  T.manualSeed(c.seed);
  const make = (n: NetChoice, options: Record<string, unknown>): Network => {
    const net = createModel(n.name, { ...n.options, ...options });
    if (n.backbone) loadBackbone(net, n.backbone, { head: n.backboneHead ?? false });
    return net.to(c.device);
  };
  return { fA: make(c.fA, {}), fT: make(c.fT, { classes }), fB: make(c.fB, { head: 'projection' }) };
}

/** The privacy images plus every k-th frame of the videos, as one image set for f_A's identity. */
function identityPool(images: ImageSet, videos: VideoSet, fraction: number): ImageSet {
  const frames = videos.items.flatMap((v) =>
    Array.from({ length: frameCount(v.source) }, (_, f) => ({ source: v.source, frame: f })),
  );
  const want = Math.round(frames.length * fraction);
  const every = want > 0 ? Math.max(1, Math.floor(frames.length / want)) : 0;
  if (videos.width !== images.width || videos.height !== images.height)
    throw new Error(
      `pre-training f_A: videos are ${videos.width}x${videos.height} but images ${images.width}x${images.height}; read them at one size`,
    );
  if (every && videos.reader !== images.reader)
    throw new Error('pre-training f_A: read the videos and the images with one reader');
  const extra = every
    ? frames
        .filter((_, i) => i % every === 0)
        .slice(0, want)
        .map((f, i) => ({
          id: `frame-${i}`,
          labels: new Uint8Array(images.attributes.length),
          ...f,
          boxes: null,
        }))
    : [];
  return { ...images, items: [...images.items, ...extra] };
}

export function pretrainAnonymizer(
  fA: Network,
  images: ImageSet,
  videos: VideoSet,
  c: MethodConfig,
  tick: Tick = () => {},
): Promise<number[]> {
  const p = c.pretrain;
  const pool = identityPool(images, videos, p.actionFrameFraction);
  const views = (idx: number[]): Part[] => [
    { kind: 'images', set: pool, idx, size: c.imageSize, augment: c.viewAugment, views: 1 },
  ];
  const l1 = (b: Tensor[][]): Tensor => {
    const x = tensorOf(b, 0);
    return T.l1Loss(fA.forward(x).float(), x);
  };
  const tk = (): void => tick('pre-train f_A (identity, L1)');
  return fit(
    fA,
    {
      lr: p.lrA,
      epochs: p.anonymizerEpochs,
      n: pool.items.length,
      batch: p.batch,
      key: 'pretrain-fA',
      seed: c.seed,
      autocast: c.autocast,
    },
    views,
    l1,
    tk,
  );
}

/** Two augmented views of each image in `idx`, for NT-Xent. */
export const privacyViews = (set: ImageSet, idx: readonly number[], c: MethodConfig): Part => ({
  kind: 'images',
  set,
  idx,
  size: c.imageSize,
  augment: c.viewAugment,
  views: 2,
});

/** NT-Xent of f_B (after `fA` when given) on the two views of part `part` of a batch (privacyViews). */
export function privacyLoss(
  fB: Network,
  fA: Network | null,
  b: Tensor[][],
  part: number,
  c: MethodConfig,
): Tensor {
  return T.tidy(() => {
    const a = (x: Tensor): Tensor => (fA ? fA.forward(x) : x);
    return ntXent(fB.forward(a(tensorOf(b, part, 0))), fB.forward(a(tensorOf(b, part, 1))), c.temperature);
  });
}

export function pretrainPrivacy(
  fB: Network,
  images: ImageSet,
  c: MethodConfig,
  tick: Tick = () => {},
): Promise<number[]> {
  const p = c.pretrain;
  const tk = (): void => tick('pre-train f_B (NT-Xent)');
  return fit(
    fB,
    {
      lr: p.lrB,
      epochs: p.privacyEpochs,
      n: images.items.length,
      batch: p.batch,
      key: 'pretrain-fB',
      seed: c.seed,
      autocast: c.autocast,
    },
    (idx) => [privacyViews(images, idx, c)],
    (b) => privacyLoss(fB, null, b, 0, c),
    tk,
  );
}

/** Training clips of the videos in `idx`. */
export const trainClips = (set: VideoSet, idx: readonly number[], c: MethodConfig): Part => ({
  kind: 'train-clips',
  set,
  idx,
  shape: c.clip,
  augment: c.clipAugment,
});

/** f_T on raw clips, or (when `fA` is given) on clips through a frozen f_A. */
export function pretrainAction(
  fT: Network,
  videos: VideoSet,
  c: MethodConfig,
  tick: Tick = () => {},
  fA: Network | null = null,
): Promise<number[]> {
  const p = c.pretrain;
  const ce = (b: Tensor[][]): Tensor => {
    const x = tensorOf(b, 0);
    const input = fA ? T.noGrad(() => anonymizeClip(fA, x)) : x;
    return T.crossEntropy(fT.forward(input), tensorOf(b, 0, 1));
  };
  const tk = (): void => tick('pre-train f_T (raw clips)');
  return fit(
    fT,
    {
      lr: p.lrT,
      epochs: p.actionEpochs,
      n: videos.items.length,
      batch: c.clipsPerBatch,
      key: 'pretrain-fT',
      seed: c.seed,
      autocast: c.autocast,
    },
    (idx) => [trainClips(videos, idx, c)],
    ce,
    tk,
  );
}
