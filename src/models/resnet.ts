// torchvision's ResNet (v1.5: the stride sits in the 3x3 convolution), names and all:
// conv1, bn1, layer1.0.conv1, layer1.0.downsample.0, fc. It is f_B's encoder and the UNet++
// encoder of f_A. `width` scales every stage (64 gives torchvision's network exactly).
import { adaptiveAvgPool2d, flatten, maxPool2d, nn, relu_, type Tensor } from '../torch/index.js';
import { kaimingConvs } from './init.js';
import { Network, pipe, residualRelu, type Layer } from './network.js';

const conv3x3 = (cin: number, cout: number, stride = 1): nn.Conv2d =>
  new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
const conv1x1 = (cin: number, cout: number, stride = 1): nn.Conv2d =>
  new nn.Conv2d(cin, cout, 1, { stride, bias: false });

/** The shortcut when a block changes resolution or width: 1x1 convolution and batch norm. */
const projection = (cin: number, cout: number, stride: number): nn.Sequential =>
  new nn.Sequential(conv1x1(cin, cout, stride), new nn.BatchNorm2d(cout));

export class BasicBlock extends nn.Module {
  static readonly expansion = 1;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly downsample: nn.Sequential | null;

  constructor(cin: number, planes: number, stride: number, downsample: nn.Sequential | null) {
    super();
    this.conv1 = conv3x3(cin, planes, stride);
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new nn.BatchNorm2d(planes);
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    return residualRelu(x, pipe(x, this.conv1, this.bn1, relu_, this.conv2, this.bn2), this.downsample);
  }
}

export class Bottleneck extends nn.Module {
  static readonly expansion = 4;
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly conv2: nn.Conv2d;
  readonly bn2: nn.BatchNorm2d;
  readonly conv3: nn.Conv2d;
  readonly bn3: nn.BatchNorm2d;
  readonly downsample: nn.Sequential | null;

  constructor(cin: number, planes: number, stride: number, downsample: nn.Sequential | null) {
    super();
    this.conv1 = conv1x1(cin, planes);
    this.bn1 = new nn.BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes, stride);
    this.bn2 = new nn.BatchNorm2d(planes);
    this.conv3 = conv1x1(planes, planes * 4);
    this.bn3 = new nn.BatchNorm2d(planes * 4);
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    const branch = pipe(x, this.conv1, this.bn1, relu_, this.conv2, this.bn2, relu_, this.conv3, this.bn3);
    return residualRelu(x, branch, this.downsample);
  }
}

export type ResNetBlock = typeof BasicBlock | typeof Bottleneck;

export interface ResNetConfig {
  block: ResNetBlock;
  layers: readonly [number, number, number, number];
  /** Channels of the stem and first stage (64 in torchvision). */
  width?: number;
  /** What follows global pooling, held as `fc`; null ends the network at the last stage. */
  head?: (features: number) => Layer | null;
  /** false leaves layer4 out (an encoder that stops at layer3 need not carry it). */
  layer4?: boolean;
  /**
   * A 3x3 stride-1 stem and no max-pool: the CIFAR adaptation (SimCLR's for 32-pixel images).
   * ImageNet's stem quarters the input before layer1, which at 32 pixels blurs away the
   * two-pixel marks a 224-pixel network would still see at stride 4.
   */
  smallStem?: boolean;
}

export class ResNet extends Network {
  readonly kind = 'privacy';
  readonly conv1: nn.Conv2d;
  readonly bn1: nn.BatchNorm2d;
  readonly layer1: nn.Module[];
  readonly layer2: nn.Module[];
  readonly layer3: nn.Module[];
  readonly layer4: nn.Module[];
  readonly fc: Layer | null;
  /** Channels of the input and of each stage's output: [3, stem, layer1, ..., layer4]. */
  readonly channels: number[];
  readonly smallStem: boolean;

  constructor(c: ResNetConfig) {
    super();
    const w = c.width ?? 64;
    const e = c.block.expansion;
    this.smallStem = c.smallStem ?? false;
    this.conv1 = this.smallStem
      ? new nn.Conv2d(3, w, 3, { padding: 1, bias: false })
      : new nn.Conv2d(3, w, 7, { stride: 2, padding: 3, bias: false });
    this.bn1 = new nn.BatchNorm2d(w);
    let cin = w;
    const stage = (planes: number, blocks: number, stride: number): nn.Module[] => {
      const down = stride !== 1 || cin !== planes * e ? projection(cin, planes * e, stride) : null;
      const out = [new c.block(cin, planes, stride, down)];
      cin = planes * e;
      for (let i = 1; i < blocks; i++) out.push(new c.block(cin, planes, 1, null));
      return out;
    };
    const [n1, n2, n3, n4] = c.layers;
    this.layer1 = stage(w, n1, 1);
    this.layer2 = stage(2 * w, n2, 2);
    this.layer3 = stage(4 * w, n3, 2);
    this.layer4 = c.layer4 === false ? [] : stage(8 * w, n4, 2);
    this.channels = [3, w, w * e, 2 * w * e, 4 * w * e, 8 * w * e];
    this.fc = c.head ? c.head(8 * w * e) : null;
    kaimingConvs(this);
  }

  /** Stage outputs at strides 1, 2, 4, 8, 16, 32 (1, 1, 1, 2, 4, 8 with the small stem), input first. */
  stages(x: Tensor, depth = 5): Tensor[] {
    const out = [x];
    const stem = pipe(x, this.conv1, this.bn1, relu_);
    out.push(stem);
    const layers = [this.layer1, this.layer2, this.layer3, this.layer4];
    let y = stem;
    for (let i = 0; i < depth - 1; i++) {
      const blocks = layers[i] as Layer[];
      if (blocks.length === 0)
        throw new Error(`ResNet: layer${i + 1} was left out, cannot go ${depth} stages deep`);
      const pool =
        i === 0 && !this.smallStem ? [(t: Tensor): Tensor => maxPool2d(t, 3, { stride: 2, padding: 1 })] : [];
      y = pipe(y, ...pool, ...blocks);
      out.push(y);
    }
    return out;
  }

  /** The globally pooled features of the last stage (what `fc` sees). */
  embed(x: Tensor): Tensor {
    const feats = this.stages(x);
    const last = feats.pop() as Tensor;
    for (const f of feats.slice(1)) f.dispose();
    const z = pipe(
      last,
      (t) => adaptiveAvgPool2d(t, 1),
      (t) => flatten(t, 1),
    );
    last.dispose();
    return z;
  }

  forward(x: Tensor): Tensor {
    const z = this.embed(x);
    return this.fc ? pipe(z, this.fc) : z;
  }
}
