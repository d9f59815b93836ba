// Forward cost from layer shapes. Convolutions and linear layers are replaced, for one pass, by
// stubs that add their multiply-accumulates and return zeros of the output shape; everything
// else (norms, pools, resampling, joins) runs for real on those zeros, which costs little and
// keeps the count exact for any wiring. Multiply-accumulates are what torchvision and the papers
// call "FLOPs" (ResNet-50 at 224x224: 4.09 G).
import { noGrad, nn, tidy, zeros, type Tensor } from '../torch/index.js';

type Stub = (x: Tensor) => Tensor;

const prod = (a: readonly number[]): number => a.reduce((p, d) => p * d, 1);

function at(a: readonly number[], i: number): number {
  return a[i] ?? (a[0] as number);
}

/** Output size of a convolution along each spatial dim, as PyTorch computes it. */
function convSpatial(conv: nn.Conv2d | nn.Conv3d | nn.ConvTranspose2d, input: number[]): number[] {
  const kernel = conv.weight.shape.slice(2);
  return input.map((n, i) => {
    const [k, s, p, d] = [at(kernel, i), at(conv.stride, i), at(conv.padding, i), at(conv.dilation, i)];
    if (conv instanceof nn.ConvTranspose2d)
      return (n - 1) * s - 2 * p + d * (k - 1) + at(conv.outputPadding, i) + 1;
    return Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  });
}

function stubFor(m: nn.Module, add: (macs: number) => void): Stub | null {
  if (m instanceof nn.Conv2d || m instanceof nn.Conv3d || m instanceof nn.ConvTranspose2d) {
    const w = m.weight.shape;
    const perOutput = prod(w.slice(1)); // (in / groups) * kernel volume
    return (x) => {
      const spatial = convSpatial(m, x.shape.slice(2));
      const outC = m instanceof nn.ConvTranspose2d ? (w[1] as number) * m.groups : (w[0] as number);
      const out = [x.size(0), outC, ...spatial];
      // A transposed convolution spreads each input element over outC / groups * kernel outputs.
      add(
        m instanceof nn.ConvTranspose2d
          ? x.numel * (outC / m.groups) * prod(w.slice(2))
          : prod(out) * perOutput,
      );
      return zeros(out);
    };
  }
  if (m instanceof nn.Linear) {
    const [outF, inF] = m.weight.shape as [number, number];
    return (x) => {
      const out = [...x.shape.slice(0, -1), outF];
      add(prod(out) * inF);
      return zeros(out);
    };
  }
  return null;
}

/** Multiply-accumulates of one forward pass at `inputShape`; the module is left as it was. */
export function countFlops(
  net: nn.Module & { forward(x: Tensor): Tensor },
  inputShape: readonly number[],
): number {
  let total = 0;
  const add = (n: number): void => {
    total += n;
  };
  const modules = net.namedModules().map(([, m]) => m);
  const modes = modules.map((m) => m.training);
  const stubbed: nn.Module[] = [];
  try {
    for (const m of modules) {
      const stub = stubFor(m, add);
      if (stub) {
        Object.defineProperty(m, 'forward', { value: stub, configurable: true, enumerable: false });
        stubbed.push(m);
      }
    }
    net.eval(); // batch norm must not move its running statistics
    noGrad(() => tidy(() => void net.forward(zeros([...inputShape]))));
  } finally {
    for (const m of stubbed) delete (m as unknown as { forward?: Stub }).forward;
    modules.forEach((m, i) => (m.training = modes[i] as boolean));
  }
  return total;
}
