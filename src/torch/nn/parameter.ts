// Parameters and buffers: tensors a Module owns. Both outlive every tidy() scope.
import { native } from '../native.js';
import { keep } from '../scope.js';
import { Tensor } from '../tensor.js';

/** A learnable tensor (requires grad). Takes over `t`'s values; `t` itself is released. */
export class Parameter extends Tensor {
  constructor(t: Tensor, requiresGrad = true) {
    super(native.detachedSlot(t));
    keep(this);
    t.dispose();
    this.requiresGrad = requiresGrad;
  }
}

/** A tensor of module state that is saved but not learned (running statistics). */
export class BufferTensor extends Tensor {
  constructor(t: Tensor) {
    super(native.detachedSlot(t));
    keep(this);
    t.dispose();
  }
}
