// PyTorch's default initialisers, so a fresh veil layer starts where a fresh torch layer does.
import { noGrad } from '../autograd.js';
import { uniform_, normal_ } from '../ops/random.js';
import type { Tensor } from '../tensor.js';

/** fan_in and fan_out as torch.nn.init._calculate_fan_in_and_fan_out. */
export function fans(w: Tensor): [number, number] {
  const s = w.shape;
  if (s.length < 2) throw new Error(`fans: need at least 2 dims, got [${s.join(', ')}]`);
  const receptive = s.slice(2).reduce((a, b) => a * b, 1);
  return [(s[1] as number) * receptive, (s[0] as number) * receptive];
}

export function uniformInit(t: Tensor, bound: number): void {
  noGrad(() => uniform_(t, -bound, bound).dispose());
}

/** kaiming_uniform_(a = sqrt(5)): the default of nn.Linear and nn.ConvNd weights. */
export function defaultWeightInit(w: Tensor): void {
  uniformInit(w, 1 / Math.sqrt(fans(w)[0]));
}

export function kaimingNormal(w: Tensor, mode: 'fan_in' | 'fan_out' = 'fan_out'): void {
  const [fi, fo] = fans(w);
  const std = Math.sqrt(2) / Math.sqrt(mode === 'fan_in' ? fi : fo);
  noGrad(() => normal_(w, 0, std).dispose());
}

export function normalInit(t: Tensor, mean: number, std: number): void {
  noGrad(() => normal_(t, mean, std).dispose());
}
