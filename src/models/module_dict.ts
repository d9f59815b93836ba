// nn.ModuleDict: children under string keys, so state dict names read `blocks.x_0_1.conv1.0.weight`.
import { nn } from '../torch/index.js';

export class ModuleDict<M extends nn.Module> extends nn.Module {
  readonly #items: Map<string, M>;

  constructor(entries: Iterable<[string, M]>) {
    super();
    this.#items = new Map(entries);
  }

  get(key: string): M {
    const m = this.#items.get(key);
    if (!m) throw new Error(`ModuleDict: no entry '${key}' (has ${[...this.#items.keys()].join(', ')})`);
    return m;
  }

  override namedChildren(): [string, nn.Module][] {
    return [...this.#items];
  }
}
