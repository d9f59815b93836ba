// What the fixture script recorded with PyTorch: outputs, parameter counts, multiply-accumulates.
import { readFileSync } from 'node:fs';

import { keep, loadSafetensors, type Tensor } from '../../src/torch/index.js';
import { fixture } from '../helpers.js';

export interface Reference {
  cases: Record<string, { input: number[]; params: number }>;
  params: Record<string, number>;
  macs: Record<string, number>;
}

export const reference = JSON.parse(
  readFileSync(fixture('models/fixtures/reference.json'), 'utf8'),
) as Reference;

let outputs: Record<string, Tensor> | null = null;

/** A tensor the fixture script saved in outputs.safetensors. */
export function refTensor(key: string): Tensor {
  if (!outputs) {
    outputs = loadSafetensors(fixture('models/fixtures/outputs.safetensors')).tensors;
    for (const t of Object.values(outputs)) keep(t); // cached across tests, whatever scope loads it
  }
  const t = outputs[key];
  if (!t) throw new Error(`no reference tensor '${key}'`);
  return t;
}
