// Adam, AdamW and SGD: libtorch's own update rules, driven from TypeScript, with per-group
// learning rates and a state that round-trips through checkpoints for exact resume.
import { native, type NativeOptimizer } from '../native.js';
import type { Parameter } from '../nn/parameter.js';
import { Tensor } from '../tensor.js';

export interface ParamGroup {
  params: Parameter[];
  lr: number;
  weightDecay?: number;
  betas?: [number, number];
  eps?: number;
  amsgrad?: boolean;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}

export type GroupOptions = Omit<ParamGroup, 'params' | 'lr'> & { lr?: number };

export interface OptimizerState {
  kind: string;
  lrs: number[];
  steps: (number | null)[];
  tensors: Record<string, Tensor>;
}

export class Optimizer {
  readonly #native: NativeOptimizer;
  readonly groups: readonly ParamGroup[];

  constructor(
    readonly kind: 'adam' | 'adamw' | 'sgd',
    params: Parameter[] | ParamGroup[],
    defaults: GroupOptions & { lr: number },
  ) {
    const groups: ParamGroup[] =
      params.length > 0 && !(params[0] instanceof Tensor)
        ? (params as ParamGroup[]).map((g) => ({ ...defaults, ...g }))
        : [{ ...defaults, params: params as Parameter[] }];
    for (const [i, g] of groups.entries()) {
      if (!(g.lr >= 0)) throw new Error(`${kind}: group ${i} has learning rate ${g.lr}`);
      if (g.params.length === 0) throw new Error(`${kind}: group ${i} has no parameters`);
    }
    this.groups = groups;
    this.#native = new native.NativeOptimizer(kind, groups);
  }

  step(): void {
    this.#native.step();
  }

  /** Drops the gradients (PyTorch 2's set_to_none default). */
  zeroGrad(setToNone = true): void {
    this.#native.zeroGrad(setToNone);
  }

  getLr(group = 0): number {
    return this.#native.getLr(group);
  }

  setLr(lr: number, group?: number): void {
    const gs = group === undefined ? this.groups.map((_, i) => i) : [group];
    for (const g of gs) this.#native.setLr(g, lr);
  }

  /** Per-parameter state as named tensors (`<index>.exp_avg`), plus steps and current lrs. */
  stateDict(): OptimizerState {
    const tensors: Record<string, Tensor> = {};
    const steps: (number | null)[] = [];
    this.#native.getState().forEach((s, i) => {
      steps.push(s ? s.step : null);
      if (s) for (const [k, t] of Object.entries(s.tensors)) tensors[`${i}.${k}`] = t as Tensor;
    });
    return { kind: this.kind, lrs: this.groups.map((_, i) => this.getLr(i)), steps, tensors };
  }

  loadStateDict(s: OptimizerState): void {
    if (s.kind !== this.kind)
      throw new Error(`loadStateDict: state of a ${s.kind} optimizer given to ${this.kind}`);
    const per = s.steps.map((step, i) => {
      if (step === null) return null;
      const tensors: Record<string, Tensor> = {};
      for (const [k, t] of Object.entries(s.tensors)) {
        const dot = k.indexOf('.');
        if (Number(k.slice(0, dot)) === i) tensors[k.slice(dot + 1)] = t;
      }
      return { step, tensors };
    });
    this.#native.setState(per);
    s.lrs.forEach((lr, g) => this.#native.setLr(g, lr));
  }
}

export const Adam = (params: Parameter[] | ParamGroup[], o: GroupOptions & { lr?: number } = {}): Optimizer =>
  new Optimizer('adam', params, { lr: 1e-3, ...o });
export const AdamW = (
  params: Parameter[] | ParamGroup[],
  o: GroupOptions & { lr?: number } = {},
): Optimizer => new Optimizer('adamw', params, { lr: 1e-3, weightDecay: 1e-2, ...o });
export const SGD = (params: Parameter[] | ParamGroup[], o: GroupOptions & { lr: number }): Optimizer =>
  new Optimizer('sgd', params, o);
