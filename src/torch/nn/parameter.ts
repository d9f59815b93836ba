// Parameters and buffers: tensors a Module owns. Both outlive every tidy() scope.
import { detach } from '../ops/creation.js';
import { keep } from '../scope.js';
import { Tensor } from '../tensor.js';

/** A learnable tensor (requires grad). Takes over `t`'s values; `t` itself is released. */
export class Parameter extends Tensor {
  constructor(t: Tensor, requiresGrad = true) {
    const d = detach(t);
    super(d.native);
    keep(d);
    keep(this);
    if (d !== t) t.dispose();
    this.requiresGrad = requiresGrad;
  }
}

/** A tensor of module state that is saved but not learned (running statistics). */
export class BufferTensor extends Tensor {
  constructor(t: Tensor) {
    const d = detach(t);
    super(d.native);
    keep(d);
    keep(this);
    t.dispose();
  }
}
