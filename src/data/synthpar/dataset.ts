// SynthPAR in memory: clips and privacy images straight from the generator, for tests and for
// training without touching the disk. The same scenes are what write.ts puts on disk.
import { hashSeed, Rng } from '../rng.js';
import { type ActionDef, actionsOf, attributesOf, type Variant } from './catalog.js';
import { type Box, renderClip, renderStill } from './render.js';
import { labelsOf, sampleScene, type Scene, type SceneOverrides } from './scene.js';

export interface SynthConfig {
  seed: number;
  variant?: Variant;
  width: number;
  height: number;
  /** Frames per clip. */
  frames: number;
  /** Sensor noise on (default) or off. */
  noise?: boolean;
  /** Clips: the actions to draw from (default: the variant's; the backbones' add TRAVEL_ACTIONS). */
  actions?: readonly ActionDef[];
}

export interface SynthClip {
  index: number;
  scene: Scene;
  action: string;
  label: number;
  /** 0/1 per attribute of the variant, in attributesOf(variant) order. */
  labels: Uint8Array;
  width: number;
  height: number;
  frames: Uint8Array[];
  boxes: Box[][];
}

export interface SynthImage {
  index: number;
  scene: Scene;
  /** The moment of the action shown, in [0, 1]. */
  tau: number;
  labels: Uint8Array;
  width: number;
  height: number;
  data: Uint8Array;
  boxes: Box[];
}

export function synthClip(c: SynthConfig, index: number, o: SceneOverrides = {}): SynthClip {
  const scene = sampleScene(c.seed, c.variant ?? 'known', index, { actions: c.actions, ...o });
  const clip = renderClip(scene, c.frames, {
    width: c.width,
    height: c.height,
    noise: c.noise ?? true,
  });
  return {
    index,
    scene,
    action: scene.action,
    label: scene.label,
    labels: labelsOf(scene),
    ...clip,
  };
}

export function* synthClips(c: SynthConfig, count: number, start = 0): Generator<SynthClip> {
  for (let i = start; i < start + count; i++) yield synthClip(c, i);
}

/** Privacy images come from their own scenes (another seed space), each at a random moment. */
export function synthImage(c: Omit<SynthConfig, 'frames'>, index: number): SynthImage {
  const variant = c.variant ?? 'known';
  const scene = sampleScene(hashSeed('images', c.seed), variant, index);
  const tau = new Rng('synthpar-still', variant, c.seed, index).float();
  const f = renderStill(scene, tau, {
    width: c.width,
    height: c.height,
    noise: c.noise ?? true,
  });
  return {
    index,
    scene,
    tau,
    labels: labelsOf(scene),
    width: f.width,
    height: f.height,
    data: f.data,
    boxes: f.boxes,
  };
}

export const classNames = (v: Variant = 'known'): string[] => actionsOf(v).map((a) => a.id);
export const attributeNames = (v: Variant = 'known'): string[] => [...attributesOf(v)];
