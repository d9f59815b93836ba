// Adversaries that do not get fooled (beyond the paper). A co-trained f_B can be fooled: f_A learns
// to confuse that one network (its NT-Xent loss climbs) while a fresh attacker still decodes every
// attribute. SPAct's paper answers with two tricks of Wu et al. (TPAMI 2020), an ensemble of privacy
// models and restarting them; SPAct's released code has neither (DAVEISHAN/SPAct,
// anonymization_training/train_ssl_minimax2.py: one fb_model, never re-initialised). What Wu et
// al.'s code does (VITA-Group/Privacy-AdversarialLearning,
// PA-HMDB51-VISPR-exp/adversarial_training/adv_training/adv_training.py, and loss.py):
//   - ensemble: M budget models f_b; f_d's adversarial term is, per sample, the maximum over the M
//     of the adversarial loss (`tf.reduce_max(loss_fb_videos_tensor_stack, axis=0)`, then the mean):
//     f_d answers to whichever f_b is strongest on each sample;
//   - restarting (`--use_fb_restarting`): every `restarting_step` (200) steps, f_b is restored from
//     its pre-trained checkpoint and trained alone for `pretraining_steps_fb` steps on the current
//     f_d's output before the alternation goes on.
// Here, with NT-Xent: member m's loss on each of the 2N anchors; the strongest member on an anchor
// is the one with the lowest loss (it matches the two views best), so f_A's L_B is the mean over
// anchors of the minimum over members. Member 0 is the minimax's f_B; members 1..M-1 share its
// pre-trained encoder with projection heads of their own seeds. A restart (every `reinitEvery`
// batches, staggered across members so the others stay trained) puts a member back to its own start
// ('pretrained', Wu's restart) or to fresh random weights ('scratch'), resets its Adam state, and
// trains it alone for `warmup` batches on the current f_A's output: a fresh probe of what an
// attacker can learn from f_A now. M = 1 and no restart is the paper, computed as before.
import { hashSeed, Rng } from '../data/rng.js';
import { createModel, type Network } from '../models/index.js';
import * as T from '../torch/index.js';
import type { Optimizer, Tensor } from '../torch/index.js';
import { batchOrder, BatchStream, type ImageSet, tensorOf } from '../data/loader/index.js';
import type { MethodConfig } from './config.js';
import { ntXent } from './losses.js';
import { privacyLoss, privacyViews } from './pretrain.js';
import { stepOn } from './step.js';

/** Runs `fn` with libtorch's generator seeded by `seed`, and puts the generator back as it was. */
function seeded<R>(seed: number, fn: () => R): R {
  const saved = T.getRngState();
  try {
    T.manualSeed(seed);
    return fn();
  } finally {
    T.setRngState(saved);
    saved.dispose();
  }
}

const isHead = (k: string): boolean => k.startsWith('fc.');

export interface RestartLog {
  member: number;
  /** The global batch before which it happened. */
  step: number;
  /** Mean NT-Xent of the warm-up batches (NaN without warm-up). */
  warmupLoss: number;
}

export class Adversaries {
  /** members[0] is the minimax's f_B (its state-dict and optimizer keep their names, fB and optB). */
  readonly members: Network[];
  readonly optims: Optimizer[];
  /** The pre-trained f_B, as the minimax started (restarts go back to it). */
  private readonly start: Record<string, Tensor>;
  readonly restarts: RestartLog[] = [];

  constructor(
    fB: Network,
    optB: Optimizer,
    private readonly c: MethodConfig,
  ) {
    this.start = T.noGrad(() =>
      Object.fromEntries(Object.entries(fB.stateDict()).map(([k, t]) => [k, t.clone()])),
    );
    this.members = [fB];
    this.optims = [optB];
    for (let m = 1; m < c.adversaries.count; m++) {
      const net = this.fresh(this.seedOf(m, 0)).to(fB.device);
      this.loadStart(net, m);
      this.members.push(net);
      this.optims.push(T.Adam(net.parameters(), { lr: c.lrB }));
    }
  }

  /** State-dict and optimizer names for the training state: fB, optB, then fB1, optB1, ... */
  nets(): Record<string, Network> {
    return Object.fromEntries(this.members.slice(1).map((n, i) => [`fB${i + 1}`, n]));
  }

  optimizers(): Record<string, Optimizer> {
    return Object.fromEntries(this.optims.slice(1).map((o, i) => [`optB${i + 1}`, o]));
  }

  private seedOf(m: number, at: number): number {
    return hashSeed('adversary', this.c.seed, m, at) % 2 ** 31;
  }

  /** A new f_B of the config's architecture, every weight drawn from `seed`, on the CPU. */
  private fresh(seed: number): Network {
    const f = this.c.fB;
    return seeded(seed, () => createModel(f.name, { ...f.options, head: 'projection' }));
  }

  /** Puts member m at its start: the pre-trained f_B, with (m > 0) a projection head of its own seed. */
  private loadStart(net: Network, m: number): void {
    if (m === 0) {
      net.loadStateDict(this.start);
      return;
    }
    const head = this.fresh(this.seedOf(m, 0));
    try {
      const own = head.stateDict();
      net.loadStateDict(
        Object.fromEntries(
          Object.entries(this.start).map(([k, t]) => [k, isHead(k) ? (own[k] as Tensor) : t]),
        ),
      );
    } finally {
      head.dispose();
    }
  }

  /** Whether member m restarts before global batch g: every k batches, member m offset by m k / M. */
  restartsAt(m: number, g: number): boolean {
    const k = this.c.adversaries.reinitEvery;
    if (k <= 0 || g < k) return false;
    const offset = Math.floor((m * k) / this.members.length);
    return (g - offset) % k === 0;
  }

  /**
   * Before global batch g: restarts the members due (their weights, their Adam state), each then
   * trained alone for `warmup` batches of training images through the frozen f_A.
   */
  async maybeRestart(g: number, fA: Network, images: ImageSet): Promise<RestartLog[]> {
    const done: RestartLog[] = [];
    for (let m = 0; m < this.members.length; m++) {
      if (!this.restartsAt(m, g)) continue;
      const net = this.members[m] as Network;
      const opt = this.optims[m] as Optimizer;
      if (this.c.adversaries.reinitFrom === 'scratch') {
        const f = this.fresh(this.seedOf(m, g));
        net.loadStateDict(f.stateDict());
        f.dispose();
      } else this.loadStart(net, m);
      // Adam's moments belong to the weights just replaced.
      opt.loadStateDict({
        kind: opt.kind,
        lrs: [this.c.lrB],
        steps: opt.groups[0]?.params.map(() => null) ?? [],
        tensors: {},
      });
      const log = { member: m, step: g, warmupLoss: await this.warmup(m, g, fA, images) };
      this.restarts.push(log);
      done.push(log);
    }
    return done;
  }

  private async warmup(m: number, g: number, fA: Network, images: ImageSet): Promise<number> {
    const n = this.c.adversaries.warmup;
    if (n === 0) return NaN;
    const c = this.c;
    const net = this.members[m] as Network;
    const rng = new Rng('adversary-warmup', c.seed, m, g);
    // Batch i's images: the next of an order drawn from the same stream, a new order when one runs
    // out. A redo keeps its batch's images; batches drawn again after one pick again from the order
    // as it stood before them.
    let order: number[][] = [];
    const picked = new Map<number, number[]>();
    const before = new Map<number, number[][]>();
    const views = (i: number, r: Rng | null, again: boolean): ReturnType<typeof privacyViews>[] => {
      if (!again) {
        order = [...(before.get(i) ?? order)];
        before.set(i, [...order]);
        if (order.length === 0) order = batchOrder(images.items.length, c.imagesPerBatch, r, true);
        picked.set(i, order.shift() as number[]);
      }
      return [privacyViews(images, picked.get(i) as number[], c)];
    };
    const stream = new BatchStream(n, views, { shared: rng }, net.device);
    let sum = 0;
    fA.eval().freeze();
    net.train();
    for (let i = 0; i < n; i++) {
      const b = await stream.nextBatch();
      try {
        sum += await stepOn(
          this.optims[m] as Optimizer,
          b,
          (x) => privacyLoss(net, fA, x, 0, c),
          c.autocast,
          () => stream.redo(),
        );
      } finally {
        T.dispose(b);
      }
    }
    fA.freeze(false);
    return sum / n;
  }

  /**
   * f_A's L_B (step 1) on part `part` of a batch (privacyViews): the strongest member's NT-Xent on
   * each anchor, averaged. One member: the paper's L_B exactly. `each` receives every member's own
   * mean loss.
   */
  anonymizerLoss(fA: Network, b: Tensor[][], part: number, each?: (l: number[]) => void): Tensor {
    const c = this.c;
    if (this.members.length === 1) return privacyLoss(this.members[0] as Network, fA, b, part, c);
    return T.tidy(() => {
      const a1 = fA.forward(tensorOf(b, part, 0));
      const a2 = fA.forward(tensorOf(b, part, 1));
      const per = this.members.map((fB) => ntXent(fB.forward(a1), fB.forward(a2), c.temperature, 'none'));
      each?.(per.map((l) => l.mean().item()));
      return T.amin(T.stack(per), 0).mean();
    });
  }

  /** The members' own losses (step 2): each learns NT-Xent on the same anonymized views; their sum. */
  trainLoss(fA: Network, b: Tensor[][], part: number): Tensor {
    const c = this.c;
    if (this.members.length === 1) return privacyLoss(this.members[0] as Network, fA, b, part, c);
    return T.tidy(() => {
      const [a1, a2] = T.noGrad(() => [
        fA.forward(tensorOf(b, part, 0)),
        fA.forward(tensorOf(b, part, 1)),
      ]) as [Tensor, Tensor];
      return this.members
        .map((fB) => ntXent(fB.forward(a1), fB.forward(a2), c.temperature))
        .reduce((s, l) => s.add(l));
    });
  }

  train(on: boolean): void {
    for (const n of this.members)
      if (on) n.train();
      else n.eval().freeze();
  }

  unfreeze(): void {
    for (const n of this.members) n.freeze(false);
  }

  dispose(): void {
    for (const t of Object.values(this.start)) t.dispose();
    for (const n of this.members.slice(1)) n.dispose();
  }
}
