// One optimisation step and one inference pass, the two things every training loop here repeats.
import * as T from '../torch/index.js';
import type { Optimizer, Tensor } from '../torch/index.js';

/** Runs `loss` (under bf16 autocast when asked), back-propagates, steps `opts`; returns the loss value. */
export function step(opts: Optimizer | Optimizer[], loss: () => Tensor, autocast: boolean): number {
  const list = Array.isArray(opts) ? opts : [opts];
  return T.tidy(() => {
    for (const o of list) o.zeroGrad();
    const l = autocast ? T.autocast(loss) : loss();
    l.backward();
    for (const o of list) o.step();
    return l.item();
  });
}

/** Rows of float outputs of `forward(x)` without gradient (the caller sets eval mode). */
export function infer(forward: (x: Tensor) => Tensor, x: Tensor, autocast: boolean): number[][] {
  return T.tidy(() =>
    T.noGrad(() => {
      const y = (autocast ? T.autocast(() => forward(x)) : forward(x)).float();
      const [n, d] = y.shape as [number, number];
      const v = y.data() as Float32Array;
      return Array.from({ length: n }, (_, i) => Array.from(v.subarray(i * d, (i + 1) * d)));
    }),
  );
}
