// From decoded frames to anonymized ones: a batch of rgb24 frames becomes one (N, 3, H, W)
// tensor in [0, 1], is brought to the network's working size (resized, or padded to its stride
// when run fully convolutionally at native size), anonymized, brought back to the frame size
// and returned as RGB(A) bytes, with each frame's RMS distortion (the quantity the method's
// budget B bounds, measured where f_A works).
import {
  cat,
  clamp,
  full,
  interpolate,
  keep,
  mean,
  op,
  pad,
  round,
  sqrt,
  square,
  tensor,
  tidy,
  type Tensor,
} from '../torch/index.js';
import type { AnonymizerRuntime } from './runtime.js';

/** Where f_A runs: at a fixed size (frames are resized to it and back), or at native size. */
export type WorkingSize = { height: number; width: number } | 'native';

export interface BatchResult {
  /** count * height * (width * widthFactor) * channels bytes. */
  pixels: Uint8Array;
  rms: number[];
}

export interface FrameOptions {
  size: WorkingSize;
  /** Raw frame on the left, anonymized on the right. */
  sideBySide: boolean;
  /** RGBA (what the video encoder takes) or RGB (what images take). */
  channels: 3 | 4;
}

/** Bilinear resize; antialiased when shrinking, as image libraries (and ffmpeg's scaler) do. */
function resize(x: Tensor, height: number, width: number): Tensor {
  const [h, w] = x.shape.slice(-2) as [number, number];
  if (h === height && w === width) return x.clone();
  if (height < h || width < w)
    return op('aten::_upsample_bilinear2d_aa', x, [height, width], false, null, null);
  return interpolate(x, { size: [height, width], mode: 'bilinear', alignCorners: false });
}

/** The network input for frames (N, 3, H, W): resized, or padded at the bottom right to the stride. */
function toWorking(x: Tensor, size: WorkingSize, stride: number): Tensor {
  if (size !== 'native') return resize(x, size.height, size.width);
  const [h, w] = x.shape.slice(-2) as [number, number];
  const ph = (stride - (h % stride)) % stride;
  const pw = (stride - (w % stride)) % stride;
  return ph || pw ? pad(x, [0, pw, 0, ph], 'replicate') : x.clone();
}

/** The network output back at the frame size, next to its input at the same size. */
function fromWorking(y: Tensor, size: WorkingSize, height: number, width: number): Tensor {
  if (size !== 'native') return resize(y, height, width);
  return y.narrow(2, 0, height).narrow(3, 0, width);
}

export async function anonymizeFrames(
  runtime: AnonymizerRuntime,
  frames: Uint8Array[],
  width: number,
  height: number,
  o: FrameOptions,
): Promise<BatchResult> {
  const n = frames.length;
  const frameBytes = width * height * 3;
  const packed = new Uint8Array(n * frameBytes);
  frames.forEach((f, i) => packed.set(f, i * frameBytes));
  const { raw, input } = tidy(() => {
    const raw = tensor(packed, [n, height, width, 3]);
    const x = raw.permute(0, 3, 1, 2).float().div(255);
    return { raw, input: toWorking(x, o.size, runtime.stride) };
  });
  keep(raw);
  keep(input);
  let out: Tensor | null = null;
  try {
    const y = keep(await runtime.forward(input));
    out = y;
    return tidy(() => {
      // RMS over the picture itself: padding (native size) is cropped first.
      const [h, w] = o.size === 'native' ? [height, width] : [o.size.height, o.size.width];
      const a = input.narrow(2, 0, h).narrow(3, 0, w);
      const b = y.narrow(2, 0, h).narrow(3, 0, w);
      const rms = sqrt(mean(square(a.sub(b)), [1, 2, 3])).toArray();
      const back = fromWorking(y, o.size, height, width);
      let rgb = round(clamp(back, 0, 1).mul(255))
        .to('uint8')
        .permute(0, 2, 3, 1);
      if (o.sideBySide) rgb = cat([raw, rgb], 2);
      if (o.channels === 4) rgb = cat([rgb, full([n, height, rgb.size(2), 1], 255, { dtype: 'uint8' })], 3);
      return { pixels: rgb.contiguous().data() as Uint8Array, rms };
    });
  } finally {
    raw.dispose();
    input.dispose();
    out?.dispose();
  }
}
