// Where f_A runs: veil's libtorch engine (float32, or bfloat16 under autocast where the device has
// bf16 hardware, see bf16Pays; its thread count is the process's, set by the caller), or
// onnxruntime-node on the exported graph with its own threads. Both take and return (N, 3, H, W)
// tensors in [0, 1] with H and W multiples of `stride`.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import * as ort from 'onnxruntime-node';

import { DataError, UsageError } from '../data/errors.js';
import {
  isTemporal,
  loadAnonymizer,
  parseInputSize,
  type CheckpointSpec,
  type Network,
} from '../models/index.js';
import {
  autocast,
  defaultThreads,
  type Device,
  deviceType,
  nn,
  noGrad,
  tensor,
  type Tensor,
} from '../torch/index.js';

import { exportOnnx } from './onnx/export.js';
import { readOnnxMetadata } from './onnx/metadata.js';

export type RuntimeName = 'libtorch' | 'onnx';
export type Precision = 'float32' | 'bfloat16';

export interface AnonymizerRuntime {
  readonly name: RuntimeName;
  readonly stride: number;
  forward(x: Tensor): Promise<Tensor>;
  dispose(): Promise<void>;
}

export function strideOf(net: Network): number {
  const s = (net as Network & { stride?: unknown }).stride;
  return typeof s === 'number' && s > 0 ? s : 1;
}

/**
 * f_A on libtorch, set up for inference: eval mode, no autograd, its batch norms folded into the
 * convolutions before them (checked against the unfolded output, src/torch/nn/fold.ts), in the
 * memory format the registry measured fastest for it.
 */
export class TorchRuntime implements AnonymizerRuntime {
  readonly name = 'libtorch';
  readonly stride: number;
  private folded = false;

  constructor(
    private readonly net: Network,
    private readonly precision: Precision = 'float32',
    private readonly device: Device = 'cpu',
  ) {
    this.stride = strideOf(net);
    net.to(device).eval();
  }

  forward(x: Tensor): Promise<Tensor> {
    // The first batch is the probe the folded network is checked on: the size it will see.
    if (!this.folded) {
      this.folded = true;
      const probe = this.device === 'cpu' ? x : x.to(this.device);
      nn.foldBatchNorms(this.net, probe);
      if (probe !== x) probe.dispose();
    }
    return Promise.resolve(this.run(x));
  }

  /**
   * Frames arrive and leave on the CPU (decoding, side-by-side and encoding work there); only the
   * network's pass runs on the device.
   */
  private run(x: Tensor): Tensor {
    return noGrad(() => {
      const onDevice = this.device === 'cpu' ? x : x.to(this.device);
      const y =
        this.precision === 'float32'
          ? this.net.forward(onDevice)
          : autocast(() => this.net.forward(onDevice), {
              device: deviceType(this.device),
              dtype: 'bfloat16',
            });
      if (onDevice !== x) onDevice.dispose();
      if (this.precision === 'float32' && this.device === 'cpu') return y;
      const f = y.to('cpu').float();
      y.dispose();
      return f;
    });
  }

  dispose(): Promise<void> {
    this.net.dispose();
    return Promise.resolve();
  }
}

export class OnnxRuntime implements AnonymizerRuntime {
  readonly name = 'onnx';

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly stride: number,
  ) {}

  static async create(model: Uint8Array, stride: number, threads = defaultThreads()): Promise<OnnxRuntime> {
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
    });
    return new OnnxRuntime(session, stride);
  }

  async forward(x: Tensor): Promise<Tensor> {
    const input = new ort.Tensor('float32', x.contiguous().data() as Float32Array, x.shape);
    const out = await this.session.run({ [this.session.inputNames[0] as string]: input });
    const y = out[this.session.outputNames[0] as string] as ort.Tensor;
    return tensor(y.data as Float32Array, y.dims as number[]);
  }

  async dispose(): Promise<void> {
    await this.session.release();
  }
}

export interface LoadedAnonymizer {
  runtime: AnonymizerRuntime;
  /** What the model says of itself (registry name, training size). */
  model: string;
  input: CheckpointSpec['input'];
}

/** Opens a checkpoint (.safetensors) or an exported .onnx file on the chosen runtime. */
export async function openAnonymizer(
  file: string,
  runtime: RuntimeName,
  precision: Precision = 'float32',
  threads = defaultThreads(),
  device: Device = 'cpu',
): Promise<LoadedAnonymizer> {
  if (extname(file).toLowerCase() === '.onnx') {
    if (runtime !== 'onnx') throw new DataError(file, 'an .onnx model runs with --runtime onnx');
    const bytes = await readFile(file).catch((e: unknown) => {
      throw new DataError(file, `model not found or unreadable: ${(e as Error).message}`);
    });
    const meta = readOnnxMetadata(bytes, file);
    const stride = Number(meta['veil.stride'] ?? 1);
    const rt = await OnnxRuntime.create(bytes, stride, threads).catch((e: unknown) => {
      throw new DataError(file, `onnxruntime cannot load it: ${(e as Error).message}`);
    });
    return {
      runtime: rt,
      model: meta['veil.model'] ?? 'onnx',
      input: parseInputSize(meta['veil.input'], file),
    };
  }
  const { spec, net } = loadAnonymizer(file);
  if (isTemporal(net)) {
    net.dispose();
    // Frames reach the runtime in batches cut anywhere in a video: the frames `gap` before a
    // batch's first ones are gone, and a still-image path would hide the motion silently.
    throw new UsageError(
      `${file}: f_A '${spec.model}' is motion-aware (it compares each frame with the one ${String(spec.options.gap)} ` +
        'before); veil anonymize runs f_A on loose batches of frames and does not support it yet. Judge it with veil eval.',
    );
  }
  if (runtime === 'libtorch')
    return { runtime: new TorchRuntime(net, precision, device), model: spec.model, input: spec.input };
  try {
    const { bytes, stride } = exportOnnx(net);
    return {
      runtime: await OnnxRuntime.create(bytes, stride, threads),
      model: spec.model,
      input: spec.input,
    };
  } finally {
    net.dispose();
  }
}
