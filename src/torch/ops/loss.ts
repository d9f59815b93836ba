// Losses, with PyTorch's reductions. They run as single ATen kernels, so their gradients and
// numerics are libtorch's own.
import { op } from '../dispatch.js';
import type { Tensor } from '../tensor.js';

export type Reduction = 'mean' | 'sum' | 'none';
const R: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };

export interface CrossEntropyOptions {
  reduction?: Reduction;
  weight?: Tensor | null;
  ignoreIndex?: number;
  labelSmoothing?: number;
}

/** Logits (N,C) against int64 class indices (N) or class probabilities (N,C). */
export const crossEntropy = (logits: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor =>
  op(
    'aten::cross_entropy_loss',
    logits,
    target,
    o.weight ?? null,
    R[o.reduction ?? 'mean'],
    o.ignoreIndex ?? -100,
    o.labelSmoothing ?? 0,
  );

export const binaryCrossEntropyWithLogits = (
  logits: Tensor,
  target: Tensor,
  o: { reduction?: Reduction; weight?: Tensor | null; posWeight?: Tensor | null } = {},
): Tensor =>
  op(
    'aten::binary_cross_entropy_with_logits',
    logits,
    target,
    o.weight ?? null,
    o.posWeight ?? null,
    R[o.reduction ?? 'mean'],
  );

export const l1Loss = (x: Tensor, y: Tensor, reduction: Reduction = 'mean'): Tensor =>
  op('aten::l1_loss', x, y, R[reduction]);

export const mseLoss = (x: Tensor, y: Tensor, reduction: Reduction = 'mean'): Tensor =>
  op('aten::mse_loss', x, y, R[reduction]);

export const nllLoss = (logp: Tensor, target: Tensor, reduction: Reduction = 'mean'): Tensor =>
  op('aten::nll_loss', logp, target, null, R[reduction], -100);
