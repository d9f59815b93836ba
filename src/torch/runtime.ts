// Process-wide engine settings: threads, seeds, autocast, devices.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

import type { Device, DType } from './dtype.js';
import { native } from './native.js';
import type { Tensor } from './tensor.js';

/**
 * The most intra-op threads veil starts: the cores this process may use. More only oversubscribe
 * them (OpenMP threads spin while they wait), and a large count stalls the whole machine.
 */
export const maxThreads = (): number => availableParallelism();

/** Intra-op threads of libtorch. Default: the cores this process may use. */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`setNumThreads: expected a positive integer, got ${n}`);
  if (n > maxThreads())
    throw new Error(`setNumThreads: ${n} threads, but this machine gives the process ${maxThreads()} cores`);
  native.setNumThreads(n);
}

export const getNumThreads = (): number => native.getNumThreads();

/** VEIL_THREADS when set (a positive integer up to the cores), else every core. */
export function defaultThreads(): number {
  const raw = process.env.VEIL_THREADS;
  if (raw === undefined || raw === '') return maxThreads();
  const env = Number(raw);
  if (!(Number.isInteger(env) && env > 0 && env <= maxThreads()))
    throw new Error(`VEIL_THREADS must be an integer from 1 to ${maxThreads()} (the cores), got '${raw}'`);
  return env;
}

/** Seeds libtorch's default generator: every rand/randn/dropout/init draws from it. */
export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`manualSeed: expected a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}

/** The generator's full state (a uint8 tensor), to checkpoint and restore for exact resume. */
export const getRngState = (): Tensor => native.getRngState() as Tensor;
export const setRngState = (s: Tensor): void => native.setRngState(s);

/** Tensors currently held in the native table (for leak checks). */
export const liveTensors = (): number => native.liveTensors();

/**
 * Runs fn under autocast: matmuls and convolutions in `dtype` (bfloat16 by default on the CPU,
 * where the CPU's bf16 instructions make them up to twice as fast: see bf16Pays), the rest in float32.
 */
export function autocast<T>(fn: () => T, opts: { device?: 'cpu' | 'cuda'; dtype?: DType } = {}): T {
  const device = opts.device ?? 'cpu';
  const dtype = opts.dtype ?? (device === 'cpu' ? 'bfloat16' : 'float16');
  const prev = native.setAutocast(device, true, dtype);
  try {
    return fn();
  } finally {
    native.setAutocast(device, prev, dtype);
  }
}

/** oneDNN's CPU instruction sets from which it has bf16 convolutions in hardware (ONEDNN_MAX_CPU_ISA names). */
const BF16_ISAS = ['AVX512_CORE_BF16', 'AVX512_CORE_FP16', 'AVX512_CORE_AMX', 'ALL'];

/**
 * Whether bfloat16 autocast pays on `device`. On a CPU only where it has bf16 dot products
 * (AVX512-BF16 or AMX in /proc/cpuinfo's flags, and oneDNN not capped below them by
 * ONEDNN_MAX_CPU_ISA / DNNL_MAX_CPU_ISA): there a training step runs 1.1-2x faster (this
 * machine's AVX512-BF16: r3d-small 53.8 -> 42.6 ms, unetpp-r18 at 112x112 795 -> 405 ms).
 * Elsewhere oneDNN emulates bf16 on AVX-512 (slower than float32) or, on AVX2, has no bf16
 * convolution at all ("could not create a primitive descriptor iterator"). CUDA devices: yes
 * (Ampere and later have bf16 tensor cores; the demo's GPU runs were on those).
 */
export function bf16Pays(device: Device = 'cpu'): boolean {
  if (deviceType(device) === 'cuda') return true;
  const cap = (process.env.ONEDNN_MAX_CPU_ISA ?? process.env.DNNL_MAX_CPU_ISA ?? 'ALL').toUpperCase();
  if (!BF16_ISAS.includes(cap)) return false;
  return cpuFlags().some((f) => f === 'avx512_bf16' || f === 'amx_bf16');
}

let flags: string[] | null = null;
function cpuFlags(): string[] {
  if (flags) return flags;
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('flags'));
    flags = line
      ? line
          .slice(line.indexOf(':') + 1)
          .trim()
          .split(/\s+/)
      : [];
  } catch {
    flags = []; // not Linux: no bf16 claimed
  }
  return flags;
}

export const cudaAvailable = (): boolean => native.cudaAvailable();

/** The device type autocast keys on ('cpu' or 'cuda') for a device name such as 'cuda:1'. */
export const deviceType = (d: Device): 'cpu' | 'cuda' => (d.startsWith('cuda') ? 'cuda' : 'cpu');
export const cudaDeviceCount = (): number => native.cudaDeviceCount();
export const engineInfo = (): { torchVersion: string; config: string; parallel: string } => native.config();

native.setNumThreads(defaultThreads());
