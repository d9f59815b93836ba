// f_A sees frames, f_T clips: a clip (B, 3, T, H, W) goes through f_A as B*T true RGB images
// and comes back in its own layout. (The released code reshapes without permuting first and so
// feeds f_A three time steps of one colour channel; this is the fix.) A motion-aware f_A takes the
// clip whole: it compares each frame with the one before.
import { tidy, type Tensor } from '../torch/index.js';
import { isTemporal } from './motion_unet.js';
import type { Network } from './network.js';

export function anonymizeClip(fA: Network, clip: Tensor): Tensor {
  if (clip.ndim !== 5)
    throw new Error(`anonymizeClip: expects (B, 3, T, H, W), got [${clip.shape.join(', ')}]`);
  if (isTemporal(fA)) return fA.forward(clip);
  const [b, c, t, h, w] = clip.shape as [number, number, number, number, number];
  return tidy(() => {
    const frames = clip.permute(0, 2, 1, 3, 4).reshape(b * t, c, h, w);
    return fA.forward(frames).reshape(b, t, c, h, w).permute(0, 2, 1, 3, 4).contiguous();
  });
}
