// Batch norm folded into the convolution before it, for inference: in eval mode a batch norm is
// the per-channel affine y = (x - mean) * gamma / sqrt(var + eps) + beta, so the convolution
// feeding it can compute that directly (W' = W * s, b' = (b - mean) * s + beta, s = gamma /
// sqrt(var + eps)) and the batch norm's own pass over the activations disappears.
//
// veil's networks are plain TypeScript with no graph to rewrite, so the pairs are found the way
// torch.fx would find them, by running the network once: a batch norm whose input is the very
// tensor a convolution just returned follows that convolution. A convolution whose output also
// went elsewhere (a skip connection taken before the norm) would fold wrongly, so the folded
// network is checked against the unfolded one on the same input and left untouched if they differ.
import { noGrad } from '../autograd.js';
import { native } from '../native.js';
import * as F from '../ops/index.js';
import { tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { BatchNorm, Conv2d, Conv3d } from './layers.js';
import type { Module } from './module.js';
import { Parameter } from './parameter.js';

export interface FoldResult {
  /** Batch norms folded into the convolution before them. */
  folded: number;
  /** Largest |folded - unfolded| output difference on the probe input. */
  maxDiff: number;
}

type Conv = Conv2d | Conv3d;

/** The (convolution, batch norm) pairs of one forward pass of `net` on `x`. */
function tracePairs(net: Module & { forward(x: Tensor): Tensor }, x: Tensor): [Conv, BatchNorm][] {
  const convOf = new Map<Tensor, Conv>();
  const pairs = new Map<BatchNorm, Conv | null>();
  const calls = new Map<Module, number>();
  const patched: Module[] = [];
  for (const [, m] of net.namedModules()) {
    if (m instanceof Conv2d || m instanceof Conv3d) {
      const own = m.forward.bind(m);
      m.forward = (t: Tensor): Tensor => {
        calls.set(m, (calls.get(m) ?? 0) + 1);
        const y = own(t);
        convOf.set(y, m);
        return y;
      };
      patched.push(m);
    } else if (m instanceof BatchNorm) {
      const own = m.forward.bind(m);
      m.forward = (t: Tensor): Tensor => {
        calls.set(m, (calls.get(m) ?? 0) + 1);
        pairs.set(m, pairs.has(m) ? null : (convOf.get(t) ?? null));
        return own(t);
      };
      patched.push(m);
    }
  }
  try {
    tidy(() => void noGrad(() => net.forward(x)));
  } finally {
    for (const m of patched) delete (m as { forward?: unknown }).forward;
  }
  // Only modules that ran once, each convolution feeding one norm: shared layers stay as they are.
  const out: [Conv, BatchNorm][] = [];
  const used = new Set<Conv>();
  for (const [bn, conv] of pairs) {
    if (!conv || calls.get(bn) !== 1 || calls.get(conv) !== 1 || used.has(conv)) continue;
    used.add(conv);
    out.push([conv, bn]);
  }
  return out;
}

/**
 * Folds every batch norm of `net` that directly follows a convolution into it, in place, and
 * checks the result on `probe` (an input of the size it will see) against the unfolded output:
 * beyond `tolerance` nothing is changed. For inference only: the network must be in eval mode
 * and stays so (a folded batch norm passes its input through), and its state dict no longer
 * matches the checkpoint it was loaded from.
 */
export function foldBatchNorms(
  net: Module & { forward(x: Tensor): Tensor },
  probe: Tensor,
  tolerance = 1e-4,
): FoldResult {
  if (net.training) throw new Error('foldBatchNorms: the network must be in eval mode');
  const pairs = tracePairs(net, probe);
  if (pairs.length === 0) return { folded: 0, maxDiff: 0 };
  const before = noGrad(() => net.forward(probe));
  const saved = pairs.map(([conv]) => ({ weight: F.clone(conv.weight), bias: conv.bias }));
  noGrad(() => {
    for (const [conv, bn] of pairs) {
      tidy(() => {
        const s = F.div(bn.weight, F.sqrt(F.add(bn.running_var, bn.eps)));
        const shape = [-1, ...new Array<number>(conv.weight.ndim - 1).fill(1)];
        const w = F.mul(conv.weight, F.reshape(s, shape)).contiguous(memoryFormatOf(conv.weight));
        native.setData(conv.weight, w);
        const b0 = conv.bias ?? F.zerosLike(bn.running_mean);
        conv.bias = new Parameter(F.add(F.mul(F.sub(b0, bn.running_mean), s), bn.bias), false);
      });
      bn.folded = true;
    }
  });
  const after = noGrad(() => net.forward(probe));
  const maxDiff = tidy(() => F.amax(F.abs(F.sub(after, before))).item());
  before.dispose();
  after.dispose();
  if (maxDiff > tolerance) {
    pairs.forEach(([conv, bn], i) => {
      const { weight, bias } = saved[i] as (typeof saved)[number];
      native.setData(conv.weight, weight);
      conv.bias?.dispose();
      conv.bias = bias;
      bn.folded = false;
    });
    for (const s of saved) s.weight.dispose();
    return { folded: 0, maxDiff };
  }
  for (const s of saved) {
    s.weight.dispose();
    s.bias?.dispose();
  }
  return { folded: pairs.length, maxDiff };
}

/** The layout a weight is in, so the folded one keeps it (channels-last convs stay channels-last). */
function memoryFormatOf(w: Tensor): 'contiguous_format' | 'channels_last' | 'channels_last_3d' {
  if (w.ndim === 4 && F.isContiguous(w, 'channels_last') && !F.isContiguous(w)) return 'channels_last';
  if (w.ndim === 5 && F.isContiguous(w, 'channels_last_3d') && !F.isContiguous(w)) return 'channels_last_3d';
  return 'contiguous_format';
}
