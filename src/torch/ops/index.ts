// Every typed operator wrapper, one namespace (imported as F, like torch.nn.functional).
export * from './creation.js';
export * from './random.js';
export * from './math.js';
export * from './reduce.js';
export * from './shape.js';
export * from './nn.js';
export * from './loss.js';
