// The threaded loader: decode and augment ahead of the training loop, batches as tensors.
export * from './batches.js';
export * from './clips.js';
export * from './images.js';
export { TaskPool } from './pool.js';
export type { ImageSource, VideoSource } from './tasks.js';
export * from './sources.js';
