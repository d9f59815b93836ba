// f_B: the privacy encoder. A torchvision ResNet whose `fc` is a head: the SSL projection
// (fc1 -> ReLU -> fc2, L2-normalised; TeD-SPAD's MLP, 2048-2048-128 for ResNet-50) trained with
// NT-Xent, or a linear multi-label classifier (attribute logits) for the evaluation attacker.
import { nn, normalize, relu, type Tensor } from '../torch/index.js';
import { pipe, type Layer } from './network.js';
import { BasicBlock, Bottleneck, ResNet, type ResNetBlock } from './resnet.js';

export class ProjectionHead extends nn.Module {
  readonly fc1: nn.Linear;
  readonly fc2: nn.Linear;

  constructor(cin: number, hidden: number, dim: number) {
    super();
    this.fc1 = new nn.Linear(cin, hidden);
    this.fc2 = new nn.Linear(hidden, dim);
  }

  forward(x: Tensor): Tensor {
    return pipe(x, this.fc1, relu, this.fc2, (z) => normalize(z, 1));
  }
}

export type PrivacyHead =
  | { type: 'projection'; hidden?: number; dim?: number }
  | { type: 'classifier'; classes: number }
  | { type: 'none' };

export interface PrivacyConfig {
  depth: 18 | 50;
  head: PrivacyHead;
  width?: number;
  /** Blocks per stage; ResNet-18's [2, 2, 2, 2] or ResNet-50's [3, 4, 6, 3] by default. */
  layers?: readonly [number, number, number, number];
  /** The CIFAR stem (3x3, stride 1, no max-pool) for small images. */
  smallStem?: boolean;
}

const BLOCKS: Record<PrivacyConfig['depth'], [ResNetBlock, readonly [number, number, number, number]]> = {
  18: [BasicBlock, [2, 2, 2, 2]],
  50: [Bottleneck, [3, 4, 6, 3]],
};

function makeHead(h: PrivacyHead): (features: number) => Layer | null {
  switch (h.type) {
    case 'projection':
      // The hidden layer is as wide as the features (2048 for ResNet-50, 512 for ResNet-18).
      return (f) => new ProjectionHead(f, h.hidden ?? f, h.dim ?? 128);
    case 'classifier':
      return (f) => new nn.Linear(f, h.classes);
    case 'none':
      return () => null;
  }
}

/** f_B: ResNet-18/50 in torchvision's layout with the chosen head as `fc`. */
export function privacyResNet(c: PrivacyConfig): ResNet {
  const [block, layers] = BLOCKS[c.depth];
  return new ResNet({
    block,
    layers: c.layers ?? layers,
    width: c.width ?? 64,
    head: makeHead(c.head),
    smallStem: c.smallStem ?? false,
  });
}
