// Loads the libtorch addon and types its surface. Everything else in veil goes through here.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the addon needs of a JS tensor: its slot in the native tensor table (-1 once freed). */
export interface TensorRef {
  slot: number;
}

export interface OptimizerGroupSpec {
  params: TensorRef[];
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
  tensors: Record<string, TensorRef>;
}

export interface NativeOptimizer {
  step(): void;
  zeroGrad(setToNone?: boolean): void;
  setLr(group: number, lr: number): void;
  getLr(group: number): number;
  getState(): (NativeParamState | null)[];
  setState(state: (NativeParamState | null)[]): void;
}

/** The addon's functions. Tensors cross as JS objects carrying a slot; results come back as
 * objects made by the factory registered with setTensorFactory. */
export interface Native {
  NativeOptimizer: new (kind: string, groups: OptimizerGroupSpec[]) => NativeOptimizer;
  setTensorFactory(make: (slot: number) => unknown, slotKey: string): void;
  free(slot: number): void;
  liveTensors(): number;
  detachedSlot(t: TensorRef): number;
  shape(t: TensorRef): number[];
  strides(t: TensorRef): number[];
  dtype(t: TensorRef): string;
  device(t: TensorRef): string;
  numel(t: TensorRef): number;
  toArrayBuffer(t: TensorRef): ArrayBuffer;
  item(t: TensorRef): number | boolean;
  requiresGrad(t: TensorRef): boolean;
  setRequiresGrad(t: TensorRef, on: boolean): void;
  grad(t: TensorRef): unknown;
  setGrad(t: TensorRef, g: TensorRef | null): void;
  isLeaf(t: TensorRef): boolean;
  gradFn(t: TensorRef): string | null;
  backward(t: TensorRef, grad: TensorRef | null, retainGraph: boolean, createGraph: boolean): void;
  copyFrom(t: TensorRef, data: ArrayBufferView): void;
  sameStorage(a: TensorRef, b: TensorRef): boolean;
  setData(t: TensorRef, src: TensorRef): void;
  fromBytes(data: ArrayBufferView, shape: number[], dtype: string): unknown;
  op(name: string, overload: string): number;
  schema(handle: number): string;
  call(handle: number, args: unknown[]): unknown;
  setNumThreads(n: number): void;
  getNumThreads(): number;
  manualSeed(seed: number | bigint): void;
  getRngState(): unknown;
  setRngState(state: TensorRef): void;
  setGradEnabled(on: boolean): boolean;
  isGradEnabled(): boolean;
  setAutocast(device: 'cpu' | 'cuda', enabled: boolean, dtype: string): boolean;
  cudaAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(): void;
  config(): { torchVersion: string; config: string; parallel: string };
  pickleSave(dict: Record<string, TensorRef>): Buffer;
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
