// One optimisation step, and `fit`: supervised epochs of one network (inference is in inference.ts).
import { Rng } from '../data/rng.js';
import type { Network } from '../models/index.js';
import * as T from '../torch/index.js';
import type { Optimizer, Tensor } from '../torch/index.js';
import { batchOrder, BatchStream, type Part } from '../data/loader/index.js';

/**
 * Runs `loss` (under bf16 autocast when asked), back-propagates, steps `opts`; returns the loss value.
 * libtorch 1.13's bf16 weight gradient of a convolution on a map smaller than its kernel (a 3x3
 * stride-2 conv on 1x1) now and then comes out NaN from finite inputs: such a step is redone in
 * float32 (`loss` runs twice, so it draws its augmentation twice).
 */
export function step(opts: Optimizer | Optimizer[], loss: () => Tensor, autocast: boolean): number {
  const list = Array.isArray(opts) ? opts : [opts];
  let r = backward(list, loss, autocast);
  if (!r.finite) r = backward(list, loss, false);
  return update(list, r.loss);
}

/**
 * `step` on a batch from a stream: the loss of `batch`, and when a bf16 step must be redone, the
 * loss of the batch drawn again (as `step` draws it twice). The batches are the caller's to dispose.
 */
export async function stepOn(
  opts: Optimizer | Optimizer[],
  batch: Tensor[][],
  loss: (b: Tensor[][]) => Tensor,
  autocast: boolean,
  redo: () => Promise<Tensor[][]>,
): Promise<number> {
  const list = Array.isArray(opts) ? opts : [opts];
  let r = backward(list, () => loss(batch), autocast);
  if (!r.finite) {
    const again = await redo();
    try {
      r = backward(list, () => loss(again), false);
    } finally {
      T.dispose(again);
    }
  }
  return update(list, r.loss);
}

/** Zeroes the gradients and back-propagates `loss`: its value, and whether every gradient is finite. */
function backward(
  list: Optimizer[],
  loss: () => Tensor,
  autocast: boolean,
): { loss: number; finite: boolean } {
  return T.tidy(() => {
    for (const o of list) o.zeroGrad();
    // Autocast on the device the parameters are on (CPU autocast leaves CUDA kernels alone), in
    // bf16 on both: float16 would need a gradient scaler.
    const device = list[0]?.groups[0]?.params[0]?.device ?? 'cpu';
    const cast = { device: T.deviceType(device), dtype: 'bfloat16' } as const;
    const l = autocast ? T.autocast(loss, cast) : loss();
    l.backward();
    return { loss: l.item(), finite: !autocast || gradientsFinite(list) };
  });
}

function update(list: Optimizer[], loss: number): number {
  T.tidy(() => {
    for (const o of list) o.step();
  });
  return loss;
}
/** Whether every gradient the optimizers hold is finite (one sum, one read). */
function gradientsFinite(list: Optimizer[]): boolean {
  let total: Tensor | null = null;
  for (const o of list)
    for (const g of o.groups)
      for (const p of g.params) {
        const grad = p.grad;
        if (grad) total = total ? total.add(grad.sum()) : grad.sum();
      }
  return total === null || Number.isFinite(total.item());
}

export interface FitOptions {
  lr: number;
  epochs: number;
  /** Items in the training set, drawn in batches of `batch` (the last partial one dropped). */
  n: number;
  batch: number;
  /** Names the random stream: each epoch's order and augmentation come from (key, seed, epoch). */
  key: string;
  seed: number;
  autocast: boolean;
  /** Cosine-anneal the lr to 0 over the epochs (the default holds it constant). */
  cosine?: boolean;
  /** Train these parameters only (default: all of the network's); the others must be frozen. */
  params?: Tensor[];
}

/**
 * Supervised epochs of one network with Adam: the batch `parts` of each index list, read ahead by
 * the loader; `loss` per batch, one step each; `onEpoch` after each epoch (the network is put back
 * in train mode before the next). Returns the mean loss per epoch.
 */
export async function fit(
  net: Network,
  o: FitOptions,
  parts: (idx: number[]) => Part[],
  loss: (b: Tensor[][]) => Tensor,
  tick: () => void = () => {},
  onEpoch: (epoch: number, meanLoss: number) => void | Promise<void> = () => {},
): Promise<number[]> {
  // The last partial batch is dropped, so fewer items than a batch would make every epoch a zero-step
  // one: the network left as it started, judged and reported as if trained.
  if (o.epochs > 0 && o.n < o.batch)
    throw new Error(
      `${o.key}: ${o.n} training items make no batch of ${o.batch}; an epoch would take no step`,
    );
  const opt = T.Adam(o.params ?? net.parameters(), { lr: o.lr });
  const schedule = o.cosine ? new T.CosineLR(opt, o.epochs) : null;
  const losses: number[] = [];
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    net.train();
    // One stream per epoch: the order first, then each batch's augmentation after the one before.
    const rng = new Rng(o.key, o.seed, epoch);
    let sum = 0;
    const batches = batchOrder(o.n, o.batch, rng, true);
    const stream = new BatchStream(
      batches.length,
      (j) => parts(batches[j] as number[]),
      { shared: rng },
      net.device,
    );
    for (let j = 0; j < batches.length; j++) {
      const b = await stream.nextBatch();
      try {
        sum += await stepOn(opt, b, loss, o.autocast, () => stream.redo());
      } finally {
        T.dispose(b);
      }
      tick();
    }
    losses.push(sum / Math.max(1, batches.length));
    schedule?.step();
    await onEpoch(epoch, losses[epoch] as number);
  }
  return losses;
}
