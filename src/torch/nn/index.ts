export * from './module.js';
export * from './parameter.js';
export * from './layers.js';
export * from './init.js';
export * from './fold.js';
