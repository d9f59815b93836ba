// The initialisations of the reference implementations, so a fresh veil network starts where
// a fresh PyTorch one does (up to the random draws).
import { nn } from '../torch/index.js';

function convs(m: nn.Module): (nn.Conv2d | nn.Conv3d)[] {
  return m
    .namedModules()
    .map(([, c]) => c)
    .filter((c): c is nn.Conv2d | nn.Conv3d => c instanceof nn.Conv2d || c instanceof nn.Conv3d);
}

/** torchvision's ResNet and VideoResNet: kaiming_normal_(fan_out, relu) for every convolution. */
export function kaimingConvs(m: nn.Module): void {
  for (const c of convs(m)) nn.kaimingNormal(c.weight, 'fan_out');
}

/** VideoResNet's linear layers: normal(0, 0.01) weights, zero bias. */
export function smallNormalLinears(m: nn.Module): void {
  for (const [, l] of m.namedModules()) {
    if (!(l instanceof nn.Linear)) continue;
    nn.normalInit(l.weight, 0, 0.01);
    if (l.bias) nn.uniformInit(l.bias, 0);
  }
}

/** segmentation_models_pytorch's decoder: kaiming_uniform_(fan_in, relu) weights, zero bias. */
export function kaimingUniformConvs(m: nn.Module): void {
  for (const c of convs(m)) {
    nn.uniformInit(c.weight, Math.sqrt(6 / nn.fans(c.weight)[0]));
    if (c.bias) nn.uniformInit(c.bias, 0);
  }
}

/** xavier_uniform_ weight and zero bias (smp's segmentation head). */
export function xavierUniform(c: nn.Conv2d): void {
  const [fi, fo] = nn.fans(c.weight);
  nn.uniformInit(c.weight, Math.sqrt(6 / (fi + fo)));
  if (c.bias) nn.uniformInit(c.bias, 0);
}
