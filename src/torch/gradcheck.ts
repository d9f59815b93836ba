// Compares autograd's gradients with central finite differences, as torch.autograd.gradcheck
// does, on a random projection of the output so one backward pass checks the whole Jacobian.
import { noGrad } from './autograd.js';
import { mul, sum } from './ops/index.js';
import { tensor } from './ops/creation.js';
import { randnLike } from './ops/random.js';
import { tidy } from './scope.js';
import type { Tensor } from './tensor.js';

export interface GradcheckResult {
  /** ||analytic - numeric|| / ||numeric|| per input (0 when both vanish). */
  relErrors: number[];
  maxRelError: number;
}

/** `fn` must be deterministic (re-seed inside it if it draws random numbers). */
export function gradcheck(
  fn: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: { eps?: number } = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  for (const [i, x] of inputs.entries()) {
    if (x.dtype !== 'float64') throw new Error(`gradcheck: input ${i} is ${x.dtype}; use float64`);
  }
  return tidy(() => {
    const leaves = inputs.map((x) => x.detach().requiresGrad_(true));
    const out0 = fn(...leaves);
    const v = randnLike(out0.detach());
    const s = sum(mul(out0, v));
    s.backward();
    const analytic = leaves.map((l) =>
      l.grad ? (l.grad.data() as Float64Array) : new Float64Array(l.numel),
    );

    const scalarAt = (xs: Tensor[]): number => noGrad(() => tidy(() => sum(mul(fn(...xs), v)).item()));
    const relErrors = inputs.map((x, i) => {
      const base = x.data() as Float64Array;
      const numeric = new Float64Array(base.length);
      for (let j = 0; j < base.length; j++) {
        const probe = (delta: number): number => {
          const moved = Float64Array.from(base);
          moved[j] = (moved[j] as number) + delta;
          return tidy(() => {
            const xs = inputs.map((y, k) => (k === i ? tensor(moved, x.shape) : y));
            return scalarAt(xs);
          });
        };
        numeric[j] = (probe(eps) - probe(-eps)) / (2 * eps);
      }
      const a = analytic[i] as Float64Array;
      let diff = 0;
      let ref = 0;
      for (let j = 0; j < numeric.length; j++) {
        diff += ((a[j] as number) - (numeric[j] as number)) ** 2;
        ref += (numeric[j] as number) ** 2;
      }
      return ref === 0 ? Math.sqrt(diff) : Math.sqrt(diff / ref);
    });
    return { relErrors, maxRelError: Math.max(...relErrors) };
  });
}
