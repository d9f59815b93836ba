// f_T, SPAct's choice: torchvision's VideoResNet, names and all (stem.0, layer1.0.conv1.0, fc).
// R3D-18 uses full 3x3x3 convolutions; R(2+1)D-18 factorises each into a spatial 1x3x3 and a
// temporal 3x1x1 convolution with as many parameters. `width` scales every stage for CPU work.
import { adaptiveAvgPool3d, flatten, nn, type Tensor } from '../torch/index.js';
import { kaimingConvs, smallNormalLinears } from './init.js';
import { checkInput, Network, pipe, residualRelu } from './network.js';

type Triple = [number, number, number];

/** How a block's 3x3x3 convolution is built: full 3D, or (2+1)D through `mid` channels. */
interface ConvBuilder {
  conv(cin: number, cout: number, mid: number, stride: number): nn.Module & { forward(x: Tensor): Tensor };
  /** The stride of the shortcut when the block's convolution has `stride`. */
  downsampleStride(stride: number): Triple;
}

const conv3DSimple: ConvBuilder = {
  conv: (cin, cout, _mid, stride) => new nn.Conv3d(cin, cout, 3, { stride, padding: 1, bias: false }),
  downsampleStride: (s) => [s, s, s],
};

/** torchvision's Conv2Plus1D: Sequential(spatial conv, BN, ReLU, temporal conv). */
const conv2Plus1D: ConvBuilder = {
  conv: (cin, cout, mid, stride) =>
    new nn.Sequential(
      new nn.Conv3d(cin, mid, [1, 3, 3], { stride: [1, stride, stride], padding: [0, 1, 1], bias: false }),
      new nn.BatchNorm3d(mid),
      new nn.ReLU({ inplace: true }),
      new nn.Conv3d(mid, cout, [3, 1, 1], { stride: [stride, 1, 1], padding: [1, 0, 0], bias: false }),
    ),
  downsampleStride: (s) => [s, s, s],
};

/** SPAct's first layer4 block keeps time: stride (1,2,2), temporal dilation 2. */
const timeKeeping: ConvBuilder = {
  conv: (cin, cout) =>
    new nn.Conv3d(cin, cout, 3, { stride: [1, 2, 2], padding: [2, 1, 1], dilation: [2, 1, 1], bias: false }),
  downsampleStride: () => [1, 2, 2],
};

export class VideoBasicBlock extends nn.Module {
  readonly conv1: nn.Sequential;
  readonly conv2: nn.Sequential;
  readonly downsample: nn.Sequential | null;

  /** `first` builds conv1 when it differs from the rest (SPAct's time-keeping layer4). */
  constructor(
    cin: number,
    planes: number,
    stride: number,
    downsample: nn.Sequential | null,
    builder: ConvBuilder,
    first = builder,
  ) {
    super();
    // (2+1)D keeps about the parameter count of the conv1 it replaces; torchvision gives conv2
    // the same mid width.
    const mid = Math.floor((cin * planes * 27) / (cin * 9 + 3 * planes));
    this.conv1 = new nn.Sequential(
      first.conv(cin, planes, mid, stride),
      new nn.BatchNorm3d(planes),
      new nn.ReLU({ inplace: true }),
    );
    this.conv2 = new nn.Sequential(builder.conv(planes, planes, mid, 1), new nn.BatchNorm3d(planes));
    this.downsample = downsample;
  }

  forward(x: Tensor): Tensor {
    return residualRelu(x, pipe(x, this.conv1, this.conv2), this.downsample);
  }
}

/** R3D's stem: 3x7x7 convolution, stride (1,2,2). */
const basicStem = (w: number): nn.Sequential =>
  new nn.Sequential(
    new nn.Conv3d(3, w, [3, 7, 7], { stride: [1, 2, 2], padding: [1, 3, 3], bias: false }),
    new nn.BatchNorm3d(w),
    new nn.ReLU({ inplace: true }),
  );

/** R(2+1)D's stem: 1x7x7 to 45 channels, then 3x1x1. */
const r2plus1dStem = (w: number): nn.Sequential => {
  const mid = Math.round((45 * w) / 64);
  return new nn.Sequential(
    new nn.Conv3d(3, mid, [1, 7, 7], { stride: [1, 2, 2], padding: [0, 3, 3], bias: false }),
    new nn.BatchNorm3d(mid),
    new nn.ReLU({ inplace: true }),
    new nn.Conv3d(mid, w, [3, 1, 1], { padding: [1, 0, 0], bias: false }),
    new nn.BatchNorm3d(w),
    new nn.ReLU({ inplace: true }),
  );
};

export interface VideoResNetConfig {
  conv: '3d' | '2plus1d';
  classes?: number;
  layers?: readonly [number, number, number, number];
  width?: number;
  /** SPAct's R3D-18: layer4 keeps the time axis (stride (1,2,2), dilation (2,1,1)). */
  layer4KeepsTime?: boolean;
}

export class VideoResNet extends Network {
  readonly kind = 'action';
  readonly stem: nn.Sequential;
  readonly layer1: VideoBasicBlock[];
  readonly layer2: VideoBasicBlock[];
  readonly layer3: VideoBasicBlock[];
  readonly layer4: VideoBasicBlock[];
  readonly fc: nn.Linear;
  /** For messages: 'r3d' or 'r2plus1d'. */
  readonly name: string;

  constructor(c: VideoResNetConfig) {
    super();
    this.name = c.conv === '3d' ? 'r3d' : 'r2plus1d';
    const w = c.width ?? 64;
    const builder = c.conv === '3d' ? conv3DSimple : conv2Plus1D;
    if (c.layer4KeepsTime && c.conv !== '3d') throw new Error('layer4KeepsTime applies to R3D only');
    this.stem = c.conv === '3d' ? basicStem(w) : r2plus1dStem(w);
    let cin = w;
    const stage = (planes: number, blocks: number, stride: number, first = builder): VideoBasicBlock[] => {
      const down =
        stride !== 1 || cin !== planes
          ? new nn.Sequential(
              new nn.Conv3d(cin, planes, 1, { stride: first.downsampleStride(stride), bias: false }),
              new nn.BatchNorm3d(planes),
            )
          : null;
      const out = [new VideoBasicBlock(cin, planes, stride, down, builder, first)];
      cin = planes;
      for (let i = 1; i < blocks; i++) out.push(new VideoBasicBlock(cin, planes, 1, null, builder));
      return out;
    };
    const [n1, n2, n3, n4] = c.layers ?? [2, 2, 2, 2];
    this.layer1 = stage(w, n1, 1);
    this.layer2 = stage(2 * w, n2, 2);
    this.layer3 = stage(4 * w, n3, 2);
    this.layer4 = stage(8 * w, n4, 2, c.layer4KeepsTime ? timeKeeping : builder);
    this.fc = new nn.Linear(8 * w, c.classes ?? 400);
    kaimingConvs(this);
    smallNormalLinears(this);
  }

  /** Globally pooled features of the last stage, (N, 8w). */
  embed(x: Tensor): Tensor {
    checkInput(x, 5, this.name);
    const blocks = [...this.layer1, ...this.layer2, ...this.layer3, ...this.layer4];
    return pipe(
      x,
      this.stem,
      ...blocks,
      (t) => adaptiveAvgPool3d(t, 1),
      (t) => flatten(t, 1),
    );
  }

  forward(x: Tensor): Tensor {
    const z = this.embed(x);
    const y = this.fc.forward(z);
    z.dispose();
    return y;
  }
}
