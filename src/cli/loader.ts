// The loader's flags, shared by the commands that train or judge (pretrain, train, eval): how many
// worker threads read and augment batches, and how much memory may hold decoded frames.
import { FrameReader } from '../data/loader/index.js';
import type { FlagSpec } from './flags.js';

export const LOADER_FLAGS = [
  {
    name: 'loader-workers',
    type: 'int',
    min: 0,
    max: 64,
    placeholder: 'N',
    defaultText: "up to 2 (this machine's cores)",
    help: 'threads that decode and augment batches ahead of training; 0 does it on the main thread (the batches are the same either way)',
  },
  {
    name: 'cache-mb',
    type: 'int',
    min: 0,
    placeholder: 'MB',
    defaultText: 'a quarter of the memory, at most 2048',
    help: 'MiB of decoded frames kept in memory (a set that fits is decoded once); 0 streams everything from disk',
  },
] as const satisfies readonly FlagSpec[];

/** The command's one reader, as the flags ask (close it when done). */
export function openReader(v: {
  'loader-workers'?: number | undefined;
  'cache-mb'?: number | undefined;
}): FrameReader {
  return new FrameReader({
    ...(v['loader-workers'] !== undefined ? { workers: v['loader-workers'] } : {}),
    ...(v['cache-mb'] !== undefined ? { cacheBytes: v['cache-mb'] * 1024 * 1024 } : {}),
  });
}
