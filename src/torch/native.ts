// Loads the libtorch addon and types its surface. Everything else in veil goes through here.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeTensor {
  dispose(): void;
  isDisposed(): boolean;
  shape(): number[];
  strides(): number[];
  dtype(): string;
  device(): string;
  numel(): number;
  toArrayBuffer(): ArrayBuffer;
  item(): number | boolean;
  requiresGrad(): boolean;
  setRequiresGrad(on: boolean): void;
  grad(): NativeTensor | null;
  setGrad(g: NativeTensor | null): void;
  isLeaf(): boolean;
  gradFn(): string | null;
  backward(grad?: NativeTensor | null, retainGraph?: boolean, createGraph?: boolean): void;
  copyFrom(data: ArrayBufferView): void;
  sameStorage(other: NativeTensor): boolean;
  bytes(): number;
}

export interface OptimizerGroupSpec {
  params: NativeTensor[];
  lr: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
}

export interface NativeParamState {
  step: number;
  tensors: Record<string, NativeTensor>;
}

export interface NativeOptimizer {
  step(): void;
  zeroGrad(setToNone?: boolean): void;
  setLr(group: number, lr: number): void;
  getLr(group: number): number;
  getState(): (NativeParamState | null)[];
  setState(state: (NativeParamState | null)[]): void;
}

/** A value as the boxed dispatcher returns it. */
export type NativeValue =
  | NativeTensor
  | number
  | boolean
  | string
  | null
  | NativeValue[]
  | { [key: string]: NativeValue };

export interface Native {
  NativeTensor: abstract new (...args: never[]) => NativeTensor;
  NativeOptimizer: new (kind: string, groups: OptimizerGroupSpec[]) => NativeOptimizer;
  op(name: string, overload: string): number;
  schema(handle: number): string;
  call(handle: number, args: unknown[]): NativeValue;
  fromBytes(data: ArrayBufferView, shape: number[], dtype: string): NativeTensor;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number | bigint): void;
  getRngState(): NativeTensor;
  setRngState(state: NativeTensor): void;
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  setAutocast(device: 'cpu' | 'cuda', enabled: boolean, dtype: string): boolean;
  cudaAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(): void;
  config(): { torchVersion: string; config: string; parallel: string };
  pickleLoad(bytes: Uint8Array): NativeValue;
  pickleSave(dict: Record<string, NativeTensor>): Buffer;
}

function findAddon(): string {
  // dist/src/torch/native.js and src/torch/native.ts both sit three levels below the root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'native', 'build', 'Release', 'veil_torch.node');
    if (existsSync(p)) return p;
    dir = dirname(dir);
  }
  throw new Error(
    'veil: the libtorch addon is not built (native/build/Release/veil_torch.node is missing); run `npm run build:native`',
  );
}

export const native: Native = createRequire(import.meta.url)(findAddon()) as Native;
