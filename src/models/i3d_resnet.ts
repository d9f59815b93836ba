// The paper's f_T: I3D-ResNet-50 (pytorch-resnet3d's I3Res50, which TeD-SPAD vendors, without
// non-local blocks): a ResNet-50 whose 2D kernels are inflated to 3D. conv1 is 5x7x7 with
// stride 2 in time and space; in each stage the bottleneck's first 1x1 convolution becomes 3x1x1
// in alternating blocks (all of layer1, blocks 0 and 2 of layer2, 0, 2, 4 of layer3, 1 of
// layer4); two max-pools halve time; dropout 0.5 before fc 2048 -> classes.
//
// Parameters with 400 classes: 28,043,472 = ResNet-50's 23,508,032 without its fc
// + 37,632 (conv1 5x7x7 instead of 7x7) + 3,678,208 (the extra two temporal taps of the nine
// inflated 1x1 convolutions: 2 * sum of in * planes) + 819,600 (fc 2048 -> 400). The fixture
// script checks it against the PyTorch reference.
import { adaptiveAvgPool3d, dropout, flatten, maxPool3d, nn, relu_, type Tensor } from '../torch/index.js';
import { kaimingConvs } from './init.js';
import { checkInput, Network, pipe, residualRelu } from './network.js';

export class InflatedBottleneck extends nn.Module {
  readonly conv1: nn.Conv3d;
  readonly bn1: nn.BatchNorm3d;
  readonly conv2: nn.Conv3d;
  readonly bn2: nn.BatchNorm3d;
  readonly conv3: nn.Conv3d;
  readonly bn3: nn.BatchNorm3d;
  readonly downsample: nn.Sequential | null;

  /** `temporal`: whether conv1 is inflated to 3x1x1. */
  constructor(
    cin: number,
    planes: number,
    stride: number,
    temporal: boolean,
    downsample: nn.Sequential | null,
  ) {
    super();
    const t = temporal ? 1 : 0;
    this.conv1 = new nn.Conv3d(cin, planes, [1 + 2 * t, 1, 1], { padding: [t, 0, 0], bias: false });
    this.bn1 = new nn.BatchNorm3d(planes);
    this.conv2 = new nn.Conv3d(planes, planes, [1, 3, 3], {
      stride: [1, stride, stride],
      padding: [0, 1, 1],
      bias: false,
    });
    this.bn2 = new nn.BatchNorm3d(planes);
    this.conv3 = new nn.Conv3d(planes, planes * 4, 1, { bias: false });
    this.bn3 = new nn.BatchNorm3d(planes * 4);
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    const branch = pipe(x, this.conv1, this.bn1, relu_, this.conv2, this.bn2, relu_, this.conv3, this.bn3);
    return residualRelu(x, branch, this.downsample);
  }
}

/** Which blocks of each stage inflate conv1 (1 = 3x1x1), as in I3Res50. */
const INFLATE: readonly (readonly number[])[] = [
  [1, 1, 1],
  [1, 0, 1, 0],
  [1, 0, 1, 0, 1, 0],
  [0, 1, 0],
];

export interface I3DResNetConfig {
  classes?: number;
  dropout?: number;
}

export class I3DResNet50 extends Network {
  readonly kind = 'action';
  readonly conv1: nn.Conv3d;
  readonly bn1: nn.BatchNorm3d;
  readonly layer1: InflatedBottleneck[];
  readonly layer2: InflatedBottleneck[];
  readonly layer3: InflatedBottleneck[];
  readonly layer4: InflatedBottleneck[];
  readonly fc: nn.Linear;
  readonly dropoutP: number;

  constructor(c: I3DResNetConfig = {}) {
    super();
    this.conv1 = new nn.Conv3d(3, 64, [5, 7, 7], { stride: 2, padding: [2, 3, 3], bias: false });
    this.bn1 = new nn.BatchNorm3d(64);
    let cin = 64;
    const stage = (planes: number, stride: number, inflate: readonly number[]): InflatedBottleneck[] =>
      inflate.map((t, i) => {
        const down =
          i === 0 && (stride !== 1 || cin !== planes * 4)
            ? new nn.Sequential(
                new nn.Conv3d(cin, planes * 4, 1, { stride: [1, stride, stride], bias: false }),
                new nn.BatchNorm3d(planes * 4),
              )
            : null;
        const block = new InflatedBottleneck(cin, planes, i === 0 ? stride : 1, t === 1, down);
        cin = planes * 4;
        return block;
      });
    const [i1, i2, i3, i4] = INFLATE as [number[], number[], number[], number[]];
    this.layer1 = stage(64, 1, i1);
    this.layer2 = stage(128, 2, i2);
    this.layer3 = stage(256, 2, i3);
    this.layer4 = stage(512, 2, i4);
    this.fc = new nn.Linear(2048, c.classes ?? 400);
    this.dropoutP = c.dropout ?? 0.5;
    kaimingConvs(this);
  }

  /** Globally pooled features of layer4, (N, 2048). Needs T >= 7 (time shrinks 8x). */
  embed(x: Tensor): Tensor {
    checkInput(x, 5, 'i3d-r50');
    // conv1 and the two max-pools each halve time (floor): 6 frames or fewer pool to nothing, and
    // libtorch's own error ("Output size is too small") names neither the network nor the frames.
    const t = x.shape[2] as number;
    if (t < 7) throw new Error(`i3d-r50: needs clips of at least 7 frames (time shrinks 8x), got ${t}`);
    return pipe(
      x,
      this.conv1,
      this.bn1,
      relu_,
      (t) => maxPool3d(t, [2, 3, 3], { stride: 2 }),
      ...this.layer1,
      (t) => maxPool3d(t, [2, 1, 1], { stride: [2, 1, 1] }),
      ...this.layer2,
      ...this.layer3,
      ...this.layer4,
      (t) => adaptiveAvgPool3d(t, 1),
      (t) => flatten(t, 1),
    );
  }

  forward(x: Tensor): Tensor {
    const z = this.embed(x);
    const y = pipe(z, (t) => dropout(t, this.dropoutP, this.training), this.fc);
    z.dispose();
    return y;
  }
}
