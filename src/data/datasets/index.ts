// Readers for the dataset layouts veil trains and evaluates on.
export * from './types.js';
export { DatasetError, type ProblemSink } from './files.js';
export * from './ucf101.js';
export * from './hmdb51.js';
export * from './vispr.js';
export * from './pahmdb51.js';
export * from './folder.js';
export * from './manifest.js';
export * from './detect.js';
export * from './frames.js';
export * from './vp.js';
