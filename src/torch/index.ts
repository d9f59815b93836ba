// veil's tensor engine: libtorch from TypeScript.
export { Tensor, type Shape } from './tensor.js';
export * from './dtype.js';
export { tidy, keep, dispose } from './scope.js';
export { noGrad, enableGrad, isGradEnabled } from './autograd.js';
export * from './runtime.js';
export { callOp, op, schemaOf } from './dispatch.js';
export * as F from './ops/index.js';
export * from './ops/index.js';
export * as nn from './nn/index.js';
export * from './optim/optimizer.js';
export * from './optim/schedule.js';
export * from './io/safetensors.js';
export * from './io/torchsave.js';
export { processAlive, sweepStaleTemp, writeFileAtomic } from './io/atomic.js';
export { gradcheck, type GradcheckResult } from './gradcheck.js';
export { native } from './native.js';
