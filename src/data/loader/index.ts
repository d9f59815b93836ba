// The one batch pipeline: datasets as lists of frame sources, read and augmented ahead of the
// training loop by worker threads through a bounded cache, batches as tensors.
export * from './batches.js';
export * from './cache.js';
export * from './reader.js';
export * from './sets.js';
export * from './sources.js';
export * from './stream.js';
export { TaskPool } from './pool.js';
