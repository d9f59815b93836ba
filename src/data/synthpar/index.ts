// SynthPAR: the procedural privacy-action dataset.
export * from './catalog.js';
export * from './dataset.js';
export * from './layout.js';
export { type Box, renderClip, renderClipFrames, renderStill, SceneRenderer } from './render.js';
export {
  activitiesOf,
  CONTEXT_MATCH,
  labelsOf,
  sampleScene,
  type Scene,
  type SceneOverrides,
} from './scene.js';
export * from './write.js';
