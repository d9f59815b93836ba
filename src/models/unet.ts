// SPAct's f_A: the UNet of milesial/Pytorch-UNet with bilinear up-sampling, channels
// w-2w-4w-8w-8w (w = 64 in SPAct; smaller for CPU work), names as in SPAct's checkpoints:
// inc.double_conv.0, down1.maxpool_conv.1.double_conv.0, up1.conv.double_conv.0, outc.conv.
import { cat, interpolate, nn, pad, sigmoid, type Tensor } from '../torch/index.js';
import { checkInput, Network, pipe } from './network.js';

/** (conv 3x3 -> BN -> ReLU) x 2; the `double_conv` Sequential of the reference. */
class DoubleConv extends nn.Module {
  readonly double_conv: nn.Sequential;

  constructor(cin: number, cout: number, mid = cout, bias = false) {
    super();
    this.double_conv = new nn.Sequential(
      new nn.Conv2d(cin, mid, 3, { padding: 1, bias }),
      new nn.BatchNorm2d(mid),
      new nn.ReLU({ inplace: true }),
      new nn.Conv2d(mid, cout, 3, { padding: 1, bias }),
      new nn.BatchNorm2d(cout),
      new nn.ReLU({ inplace: true }),
    );
  }

  forward(x: Tensor): Tensor {
    return this.double_conv.forward(x);
  }
}

/** Max-pool 2x2 then DoubleConv; the pool is child 0 of `maxpool_conv`, so the conv is `.1`. */
class Down extends nn.Module {
  readonly maxpool_conv: nn.Sequential;

  constructor(cin: number, cout: number, bias: boolean) {
    super();
    this.maxpool_conv = new nn.Sequential(new nn.MaxPool(2, 2), new DoubleConv(cin, cout, cout, bias));
  }

  forward(x: Tensor): Tensor {
    return this.maxpool_conv.forward(x);
  }
}

/** Bilinear x2 (align_corners), pad to the skip's size, concatenate [skip, up], DoubleConv. */
class Up extends nn.Module {
  readonly conv: DoubleConv;

  constructor(cin: number, cout: number, bias: boolean) {
    super();
    this.conv = new DoubleConv(cin, cout, cin / 2, bias);
  }

  forward(x: Tensor, skip: Tensor): Tensor {
    const up = interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: true });
    const dy = skip.size(2) - up.size(2);
    const dx = skip.size(3) - up.size(3);
    const padded =
      dx || dy ? pipe(up, (t) => pad(t, [dx >> 1, dx - (dx >> 1), dy >> 1, dy - (dy >> 1)])) : up;
    const joined = cat([skip, padded], 1);
    up.dispose();
    padded.dispose();
    return pipe(joined, this.conv);
  }
}

/** The 1x1 convolution to RGB logits. */
class OutConv extends nn.Module {
  readonly conv: nn.Conv2d;

  constructor(cin: number, cout: number) {
    super();
    this.conv = new nn.Conv2d(cin, cout, 1);
  }

  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

export interface UNetConfig {
  /** Channels of the first level (64 in SPAct). */
  width?: number;
  /** Biases in the 3x3 convolutions (older Pytorch-UNet revisions had them; SPAct's has not). */
  convBias?: boolean;
  /** Input channels: 3 (RGB); the motion-aware f_A adds its frame difference (motion_unet.ts). */
  inChannels?: number;
}

export class UNet extends Network {
  readonly kind = 'anonymizer';
  readonly inc: DoubleConv;
  readonly down1: Down;
  readonly down2: Down;
  readonly down3: Down;
  readonly down4: Down;
  readonly up1: Up;
  readonly up2: Up;
  readonly up3: Up;
  readonly up4: Up;
  readonly outc: OutConv;
  /** H and W must be multiples of this (four 2x2 poolings). */
  readonly stride = 16;
  readonly inChannels: number;

  constructor(c: UNetConfig = {}) {
    super();
    const w = c.width ?? 64;
    const b = c.convBias ?? false;
    this.inChannels = c.inChannels ?? 3;
    this.inc = new DoubleConv(this.inChannels, w, w, b);
    this.down1 = new Down(w, 2 * w, b);
    this.down2 = new Down(2 * w, 4 * w, b);
    this.down3 = new Down(4 * w, 8 * w, b);
    this.down4 = new Down(8 * w, 8 * w, b); // 16w / 2: bilinear up-sampling halves the bottleneck
    this.up1 = new Up(16 * w, 4 * w, b);
    this.up2 = new Up(8 * w, 2 * w, b);
    this.up3 = new Up(4 * w, w, b);
    this.up4 = new Up(2 * w, w, b);
    this.outc = new OutConv(w, 3);
  }

  forward(x: Tensor): Tensor {
    checkInput(x, 4, 'unet', this.stride, this.inChannels);
    const x1 = this.inc.forward(x);
    const x2 = this.down1.forward(x1);
    const x3 = this.down2.forward(x2);
    const x4 = this.down3.forward(x3);
    const x5 = this.down4.forward(x4);
    const y = pipe(
      x5,
      (t) => this.up1.forward(t, x4),
      (t) => this.up2.forward(t, x3),
      (t) => this.up3.forward(t, x2),
      (t) => this.up4.forward(t, x1),
      this.outc,
      sigmoid,
    );
    for (const t of [x1, x2, x3, x4, x5]) t.dispose();
    return y;
  }
}
