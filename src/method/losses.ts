// The paper's losses: L_B (NT-Xent), L_penalty (the distortion budget's hinge) and L_A, the
// anonymizer's objective w_T L_T - w_B L_B + lambda L_penalty.
import * as T from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/**
 * NT-Xent (SimCLR) on two views: z1[i] and z2[i] are the same image. Of the 2N embeddings each is
 * an anchor; its positive is the other view, its negatives the other 2N-2; mean over the 2N anchors.
 */
export function ntXent(
  z1: Tensor,
  z2: Tensor,
  temperature = 0.1,
  /** 'none': each anchor's loss, (2N) (the adversaries' per-anchor strongest, adversaries.ts). */
  reduction: 'mean' | 'none' = 'mean',
): Tensor {
  if (z1.ndim !== 2 || z1.shape[0] !== z2.shape[0] || z1.shape[1] !== z2.shape[1])
    throw new Error(`ntXent: views must be (N, D) alike, got [${z1.shape}] and [${z2.shape}]`);
  const n = z1.size(0);
  if (n < 2) throw new Error('ntXent: needs at least 2 images per batch (the others are the negatives)');
  return T.tidy(() => {
    // Cosine similarities in float32 (autocast may hand us bf16 embeddings).
    const z = T.normalize(T.cat([z1, z2], 0).float(), 1);
    const sim = z.matmul(z.transpose(0, 1)).div(temperature);
    // An anchor is never its own negative: -inf on the diagonal (a large negative keeps grads finite).
    const self = T.eye(2 * n, { dtype: 'bool', device: z.device });
    const logits = T.where(self, -1e9, sim);
    const idx = Array.from({ length: 2 * n }, (_, i) => (i + n) % (2 * n));
    return T.crossEntropy(logits, T.tensor(idx, [2 * n], { dtype: 'int64', device: z.device }), {
      reduction,
    });
  });
}

/** RMS(Z) = sqrt(mean(Z^2)) of the distortion Z = X - f_A(X), over the whole batch. */
export function rmsDistortion(x: Tensor, xa: Tensor): Tensor {
  return T.tidy(() => T.sqrt(T.mean(T.square(x.float().sub(xa.float())))));
}

/**
 * What the budget B bounds. 'rms': the paper's RMS(X - f_A(X)). 'motion' (beyond the paper): the
 * RMS of how the distortion Z = X - f_A(X) changes from one frame of a clip to the next,
 * RMS(Z_t+1 - Z_t): f_A must leave what moves as it was and may change what stays (a face, a
 * badge, the clothes of a person in place) at no cost. Only clips have frames to compare.
 */
export type Distortion = 'rms' | 'motion';
export const DISTORTIONS: readonly Distortion[] = ['rms', 'motion'];

/** The distortion B bounds, of a clip batch (B, 3, T, H, W) and its anonymized version. */
export function distortion(x: Tensor, xa: Tensor, kind: Distortion = 'rms'): Tensor {
  if (kind === 'rms') return rmsDistortion(x, xa);
  const t = x.shape[2] ?? 0;
  if (x.ndim !== 5 || t < 2)
    throw new Error(`distortion 'motion': expects clips (B, 3, T >= 2, H, W), got [${x.shape.join(', ')}]`);
  return T.tidy(() => {
    const z = x.float().sub(xa.float());
    const dz = T.narrow(z, 2, 1, t - 1).sub(T.narrow(z, 2, 0, t - 1));
    return T.sqrt(T.mean(T.square(dz)));
  });
}

/** How L_penalty passes gradient: the paper's differentiable hinge, or none (the released code). */
export type PenaltyGrad = 'hinge' | 'none';

/**
 * L_penalty = max(0, D(X, f_A(X)) - B): zero while f_A stays within the budget B; D is the paper's
 * RMS(X - f_A(X)) unless `kind` says otherwise.
 */
export function penaltyLoss(
  x: Tensor,
  xa: Tensor,
  B: number,
  grad: PenaltyGrad = 'hinge',
  kind: Distortion = 'rms',
): Tensor {
  return T.tidy(() => {
    const hinge = T.relu(distortion(x, xa, kind).sub(B));
    // The released code calls .item() on it: a constant in L_A, no gradient reaches f_A.
    return grad === 'none' ? hinge.detach() : hinge;
  });
}

export interface AnonymizerWeights {
  wT: number;
  wB: number;
  lambda: number;
}

/** L_A = w_T L_T - w_B L_B + lambda L_penalty. lambda = 0 is SPAct. */
export function anonymizerLoss(LT: Tensor, LB: Tensor, Lpenalty: Tensor, w: AnonymizerWeights): Tensor {
  return T.tidy(() => LT.mul(w.wT).sub(LB.mul(w.wB)).add(Lpenalty.mul(w.lambda)));
}
