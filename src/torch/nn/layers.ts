// The layers veil's networks are made of, with torch.nn's parameter names and default init.
import * as F from '../ops/index.js';
import type { Tensor } from '../tensor.js';
import { defaultWeightInit, fans, uniformInit } from './init.js';
import { Module } from './module.js';
import { BufferTensor, Parameter } from './parameter.js';

type IntOrTuple = number | number[];

const tuple = (v: IntOrTuple, n: number): number[] => (Array.isArray(v) ? v : new Array<number>(n).fill(v));

export interface ConvConfig {
  stride?: IntOrTuple;
  padding?: IntOrTuple;
  dilation?: IntOrTuple;
  groups?: number;
  bias?: boolean;
}

abstract class ConvNd extends Module {
  weight: Parameter;
  bias: Parameter | null;
  readonly stride: number[];
  readonly padding: number[];
  readonly dilation: number[];
  readonly groups: number;

  constructor(
    dims: number,
    inC: number,
    outC: number,
    kernel: IntOrTuple,
    c: ConvConfig,
    transposed: boolean,
  ) {
    super();
    const groups = c.groups ?? 1;
    if (inC % groups || outC % groups) {
      throw new Error(`Conv${dims}d: channels ${inC}->${outC} are not divisible by groups=${groups}`);
    }
    const k = tuple(kernel, dims);
    const shape = transposed ? [inC, outC / groups, ...k] : [outC, inC / groups, ...k];
    this.weight = new Parameter(F.empty(shape));
    defaultWeightInit(this.weight);
    this.bias = c.bias === false ? null : new Parameter(F.empty([outC]));
    if (this.bias) uniformInit(this.bias, 1 / Math.sqrt(fans(this.weight)[0]));
    this.stride = tuple(c.stride ?? 1, dims);
    this.padding = tuple(c.padding ?? 0, dims);
    this.dilation = tuple(c.dilation ?? 1, dims);
    this.groups = groups;
  }
}

export class Conv2d extends ConvNd {
  constructor(inC: number, outC: number, kernel: IntOrTuple, c: ConvConfig = {}) {
    super(2, inC, outC, kernel, c, false);
  }
  forward(x: Tensor): Tensor {
    return F.conv2d(x, this.weight, this.bias, this);
  }
}

export class Conv3d extends ConvNd {
  constructor(inC: number, outC: number, kernel: IntOrTuple, c: ConvConfig = {}) {
    super(3, inC, outC, kernel, c, false);
  }
  forward(x: Tensor): Tensor {
    return F.conv3d(x, this.weight, this.bias, this);
  }
}

export class ConvTranspose2d extends ConvNd {
  readonly outputPadding: number[];
  constructor(
    inC: number,
    outC: number,
    kernel: IntOrTuple,
    c: ConvConfig & { outputPadding?: IntOrTuple } = {},
  ) {
    super(2, inC, outC, kernel, c, true);
    this.outputPadding = tuple(c.outputPadding ?? 0, 2);
  }
  forward(x: Tensor): Tensor {
    return F.convTranspose2d(x, this.weight, this.bias, this);
  }
}

export class Linear extends Module {
  weight: Parameter;
  bias: Parameter | null;
  constructor(inF: number, outF: number, bias = true) {
    super();
    this.weight = new Parameter(F.empty([outF, inF]));
    defaultWeightInit(this.weight);
    this.bias = bias ? new Parameter(F.empty([outF])) : null;
    if (this.bias) uniformInit(this.bias, 1 / Math.sqrt(inF));
  }
  forward(x: Tensor): Tensor {
    return F.linear(x, this.weight, this.bias);
  }
}

/** BatchNorm over (N,C,...) for any number of spatial dims (BatchNorm1d/2d/3d share it). */
export class BatchNorm extends Module {
  weight: Parameter;
  bias: Parameter;
  running_mean: BufferTensor;
  running_var: BufferTensor;
  num_batches_tracked: BufferTensor;
  readonly momentum: number;
  readonly eps: number;
  /** Folded into the convolution before it (fold.ts): the input passes through unchanged. */
  folded = false;
  constructor(channels: number, opts: { momentum?: number; eps?: number } = {}) {
    super();
    this.weight = new Parameter(F.ones([channels]));
    this.bias = new Parameter(F.zeros([channels]));
    this.running_mean = new BufferTensor(F.zeros([channels]));
    this.running_var = new BufferTensor(F.ones([channels]));
    this.num_batches_tracked = new BufferTensor(F.zeros([], { dtype: 'int64' }));
    this.momentum = opts.momentum ?? 0.1;
    this.eps = opts.eps ?? 1e-5;
  }
  forward(x: Tensor): Tensor {
    if (this.folded) {
      if (this.training)
        throw new Error('BatchNorm: folded into its convolution for inference, it cannot train');
      return x;
    }
    if (this.training) F.add_(this.num_batches_tracked, 1).dispose();
    return F.batchNorm(x, {
      weight: this.weight,
      bias: this.bias,
      runningMean: this.running_mean,
      runningVar: this.running_var,
      training: this.training,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
}
export { BatchNorm as BatchNorm1d, BatchNorm as BatchNorm2d, BatchNorm as BatchNorm3d };

/**
 * `inplace` (as PyTorch's) overwrites its input: no new activation is allocated and written, which
 * made unet-small's inference at 112x112 1.23x faster on 2 threads. Only where nothing else reads
 * the input afterwards (after a batch norm or a convolution whose output goes nowhere else);
 * autograd refuses it where the input is saved for backward.
 */
export class ReLU extends Module {
  constructor(readonly o: { inplace?: boolean } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.o.inplace ? F.relu_(x) : F.relu(x);
  }
}

export class LeakyReLU extends Module {
  constructor(readonly slope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.leakyRelu(x, this.slope);
  }
}

export class Sigmoid extends Module {
  forward(x: Tensor): Tensor {
    return F.sigmoid(x);
  }
}

export class Tanh extends Module {
  forward(x: Tensor): Tensor {
    return F.tanh(x);
  }
}

export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}

export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
  }
  forward(x: Tensor): Tensor {
    return F.dropout(x, this.p, this.training);
  }
}

export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return F.flatten(x, 1);
  }
}

export class MaxPool extends Module {
  constructor(
    readonly dims: 2 | 3,
    readonly kernel: IntOrTuple,
    readonly opts: F.PoolOptions = {},
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.dims === 2 ? F.maxPool2d(x, this.kernel, this.opts) : F.maxPool3d(x, this.kernel, this.opts);
  }
}

export class AdaptiveAvgPool extends Module {
  constructor(
    readonly dims: 2 | 3,
    readonly size: IntOrTuple,
  ) {
    super();
  }
  forward(x: Tensor): Tensor {
    return this.dims === 2 ? F.adaptiveAvgPool2d(x, this.size) : F.adaptiveAvgPool3d(x, this.size);
  }
}
