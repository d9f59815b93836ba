// A motion-aware f_A (beyond the paper): SPAct's UNet that sees, beside each frame, how it changed
// since the frame `gap` before (x_t - x_{t-gap}, three more input channels), so it can keep what
// moves (the action) and drop what stands still and identifies (face, clothes, scene). The paper's
// f_A sees one frame at a time and cannot tell the two apart.
//   forward(images (N, 3, H, W)):  stills, nothing moves: the difference is zero.
//   forward(clips (B, 3, T, H, W)): a clip's frames are `gap` video frames apart (the clip stride),
//                                   so each frame's difference is to the clip frame before it.
//   forwardVideo((1, 3, F, H, W)):  consecutive video frames (stride 1): the difference is to the
//                                   frame `gap` before, as in training.
// The first frame(s) of a clip or video have no predecessor: their difference is zero.
// The difference channels' first weights start at zero, so an untrained motion f_A is exactly a
// frame-wise UNet, and pre-training it as an identity on stills makes it an identity on video too.
import { cat, F, indexSelect, nn, noGrad, type Tensor, tensor, tidy, zerosLike } from '../torch/index.js';
import { checkInput, Network } from './network.js';
import { UNet } from './unet.js';

export interface MotionUNetConfig {
  width?: number;
  convBias?: boolean;
  /** Video frames between a frame and the one it is compared with: the training clips' stride. */
  gap?: number;
}

export class MotionUNet extends Network {
  readonly kind = 'anonymizer';
  /** Sees neighbouring frames: callers with clips or videos use forward(clip) / forwardVideo. */
  readonly temporal = true;
  readonly unet: UNet;
  readonly gap: number;
  readonly stride: number;

  constructor(c: MotionUNetConfig = {}) {
    super();
    this.gap = c.gap ?? 1;
    this.unet = new UNet({ width: c.width, convBias: c.convBias, inChannels: 6 });
    this.stride = this.unet.stride;
    // DoubleConv's first conv: (w, 6, 3, 3); input channels 3..5 are the difference.
    const first = this.unet.inc.double_conv.layers[0] as nn.Conv2d;
    noGrad(() => tidy(() => void F.zero_(first.weight.narrow(1, 3, 3))));
  }

  forward(x: Tensor): Tensor {
    if (x.ndim === 4) {
      checkInput(x, 4, 'unet-motion', this.stride);
      return tidy(() => this.unet.forward(cat([x, zerosLike(x)], 1)));
    }
    checkInput(x, 5, 'unet-motion', this.stride);
    return this.run(x, 1);
  }

  /** Consecutive frames of one video (1, 3, F, H, W), each compared with the frame `gap` before. */
  forwardVideo(x: Tensor): Tensor {
    checkInput(x, 5, 'unet-motion', this.stride);
    return this.run(x, this.gap);
  }

  /** (B, 3, T, H, W) -> the same, each frame with its difference to the frame `step` earlier. */
  private run(x: Tensor, step: number): Tensor {
    const [b, c, t, h, w] = x.shape as [number, number, number, number, number];
    return tidy(() => {
      const prev = Array.from({ length: t }, (_, i) => (i >= step ? i - step : i));
      const before = indexSelect(x, 2, tensor(prev, [t], { dtype: 'int64', device: x.device }));
      const input = cat([x, x.sub(before)], 1) // (B, 6, T, H, W)
        .permute(0, 2, 1, 3, 4)
        .reshape(b * t, 2 * c, h, w);
      return this.unet.forward(input).reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4).contiguous();
    });
  }
}

/** Whether an f_A sees neighbouring frames (and so must be given clips or videos, not loose frames). */
export function isTemporal(net: Network): net is MotionUNet {
  return (net as Network & { temporal?: unknown }).temporal === true;
}
