// What every network of the zoo has in common: a role in the method (f_A, f_T or f_B), one input
// tensor in and one out, and a cost that can be counted from its layer shapes.
import { add, nn, relu_, type Tensor } from '../torch/index.js';
import { countFlops } from './flops.js';

/** f_A: frame to frame; f_T: clip to action logits; f_B: image to embedding or attribute logits. */
export type ModelKind = 'anonymizer' | 'action' | 'privacy';

/** A module with a one-tensor forward: what blocks and heads are made of. */
export type Layer = nn.Module & { forward(x: Tensor): Tensor };

/** Which zoo entry built a network, with every option resolved: what a checkpoint records. */
export interface ModelOrigin {
  model: string;
  options: Record<string, unknown>;
}

export abstract class Network extends nn.Module {
  abstract readonly kind: ModelKind;
  /** Set by `createModel`; null for a network built by hand. */
  origin: ModelOrigin | null = null;
  abstract forward(x: Tensor): Tensor;

  /** Forward multiply-accumulates at `inputShape` (batch included), as torchvision counts "FLOPs". */
  flops(inputShape: readonly number[]): number {
    return countFlops(this, inputShape);
  }
}

/**
 * Applies the layers in order and frees each intermediate result as soon as the next one exists,
 * as PyTorch's reference counting would (autograd keeps what backward needs on its own).
 */
export function pipe(x: Tensor, ...layers: (Layer | ((t: Tensor) => Tensor))[]): Tensor {
  let y = x;
  for (const l of layers) {
    const next = typeof l === 'function' ? l(y) : l.forward(y);
    if (y !== x && next !== y) y.dispose();
    y = next;
  }
  return y;
}

/**
 * Images are (N, C, H, W), clips (N, C, T, H, W), C = 3 (RGB) unless said; H and W must be multiples
 * of `stride`.
 */
export function checkInput(x: Tensor, dims: 4 | 5, name: string, stride = 1, channels = 3): void {
  const s = x.shape;
  const [h, w] = s.slice(-2) as [number, number];
  if (s.length !== dims || s[1] !== channels || h % stride || w % stride) {
    const what = dims === 4 ? `images (N, ${channels}, H, W)` : `clips (N, ${channels}, T, H, W)`;
    const mult = stride > 1 ? ` with H and W multiples of ${stride}` : '';
    throw new Error(`${name}: expects ${what}${mult}, got [${s.join(', ')}]`);
  }
}

/** A residual block's end: relu(branch + shortcut(x)), shortcut the identity when null. */
export function residualRelu(x: Tensor, branch: Tensor, downsample: Layer | null): Tensor {
  const shortcut = downsample ? downsample.forward(x) : x;
  const sum = add(branch, shortcut);
  branch.dispose();
  if (shortcut !== x) shortcut.dispose();
  const out = relu_(sum); // in place, as torchvision's blocks: the sum is read by nothing else
  sum.dispose();
  return out;
}
