// Learning-rate schedules: a function of the epoch (or step) applied to each group's base lr.
import type { Optimizer } from './optimizer.js';

export abstract class LRSchedule {
  readonly baseLrs: number[];
  epoch = 0;
  constructor(readonly optimizer: Optimizer) {
    this.baseLrs = optimizer.groups.map((_, i) => optimizer.getLr(i));
  }
  abstract factor(epoch: number): number;
  /** Advances one epoch and sets every group's lr. */
  step(): void {
    this.epoch += 1;
    this.apply();
  }
  /** Jumps to an epoch (resume). */
  setEpoch(e: number): void {
    this.epoch = e;
    this.apply();
  }
  private apply(): void {
    const f = this.factor(this.epoch);
    this.baseLrs.forEach((lr, g) => this.optimizer.setLr(lr * f, g));
  }
}

/** As torch.optim.lr_scheduler.CosineAnnealingLR (closed form), eta_min as a fraction of base. */
export class CosineLR extends LRSchedule {
  constructor(
    optimizer: Optimizer,
    readonly tMax: number,
    readonly minFactor = 0,
  ) {
    super(optimizer);
  }
  factor(e: number): number {
    const t = Math.min(e, this.tMax);
    return this.minFactor + ((1 - this.minFactor) * (1 + Math.cos((Math.PI * t) / this.tMax))) / 2;
  }
}

/** As torch.optim.lr_scheduler.StepLR. */
export class StepLR extends LRSchedule {
  constructor(
    optimizer: Optimizer,
    readonly stepSize: number,
    readonly gamma = 0.1,
  ) {
    super(optimizer);
  }
  factor(e: number): number {
    return Math.pow(this.gamma, Math.floor(e / this.stepSize));
  }
}
