// veil's data layer: video and image I/O, SynthPAR, the dataset readers, clip sampling,
// augmentation and the threaded loader (the only part that makes tensors).
export * from './errors.js';
export * from './rng.js';
export * from './video/index.js';
export * from './image.js';
export * from './boxes.js';
export * as synthpar from './synthpar/index.js';
export * from './datasets/index.js';
export * from './clips.js';
export * from './augment.js';
export * from './loader/index.js';
export * from './check.js';
export * from './progress.js';
