// The model zoo: f_A anonymizers, f_T action models, f_B privacy encoders, by name.
export { Network, pipe, type Layer, type ModelKind, type ModelOrigin } from './network.js';
export { countFlops } from './flops.js';
export { ResNet, BasicBlock, Bottleneck } from './resnet.js';
export { privacyResNet, ProjectionHead, type PrivacyHead } from './privacy.js';
export { UNet } from './unet.js';
export { isTemporal, MotionUNet } from './motion_unet.js';
export { UnetPlusPlus } from './unetpp.js';
export { VideoResNet } from './video_resnet.js';
export { I3DResNet50 } from './i3d_resnet.js';
export { anonymizeClip } from './anonymizer.js';
export {
  createModel,
  listModels,
  modelNames,
  modelSpec,
  resolveOptions,
  type ModelSpec,
  type ModelOptions,
} from './registry.js';
export {
  describeLoad,
  loadBackbone,
  loadWeights,
  type LoadOptions,
  type LoadReport,
  saveWeights,
} from './weights.js';
export {
  CHECKPOINT_FORMAT,
  loadAnonymizer,
  loadCheckpoint,
  loadCheckpointInto,
  parseInputSize,
  readCheckpointSpec,
  saveCheckpoint,
  type CheckpointSpec,
  type InputSize,
  type SaveCheckpointOptions,
} from './checkpoint.js';
