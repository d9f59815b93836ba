// What a minimax run leaves for people to follow it by, wherever it was started (`veil train` or
// `veil demo`): per-epoch metrics in the registry, every step and epoch in metrics.csv and in
// TensorBoard event files, and each epoch's frame grid (validation frames raw and through f_A) as
// a TensorBoard image. The training loop is synchronous, so the grid's PNG is encoded in place.
import { deflateSync, crc32 } from 'node:zlib';

import { anonymizeVideoFrames, framesToTensor, learned, tensorToFrames } from '../method/anonymize.js';
import type { MethodConfig } from '../method/config.js';
import type { EpochLog, MinimaxRun } from '../method/minimax.js';
import type { Network } from '../models/index.js';
import { Registry } from './registry.js';
import { RunLog } from './run_log.js';

/** The metrics of an epoch, flat, under the names the registry, the CSV and TensorBoard share. */
export function epochMetrics(e: EpochLog, c: MethodConfig): Record<string, number> {
  return {
    LA: e.LA,
    LT: e.LT,
    LB: e.LB,
    Lpenalty: e.Lpenalty,
    rms: e.rms,
    LT2: e.LT2,
    LB2: e.LB2,
    lambda: e.lambda,
    B: c.B,
    valTop1: e.val.top1,
    valPrivacyMatch: e.val.privacyMatch,
    valRms: e.val.rms,
  };
}

/** A minimal PNG (8-bit RGB, no filtering): enough for TensorBoard, and synchronous. */
export function encodePng(rgb: Uint8Array, width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const head = Buffer.alloc(13);
  head.writeUInt32BE(width, 0);
  head.writeUInt32BE(height, 4);
  head.set([8, 2, 0, 0, 0], 8); // depth 8, colour type RGB, deflate, filter 0, no interlace
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    rows.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk('IHDR', head),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Rows of equal-size RGB frames side by side: one (H*rows) x (W*cols) RGB image. */
function tile(
  rows: Uint8Array[][],
  w: number,
  h: number,
): { rgb: Uint8Array; width: number; height: number } {
  const cols = Math.max(...rows.map((r) => r.length));
  const width = cols * w;
  const rgb = new Uint8Array(rows.length * h * width * 3);
  rows.forEach((row, r) =>
    row.forEach((f, k) => {
      for (let y = 0; y < h; y++)
        rgb.set(f.subarray(y * w * 3, (y + 1) * w * 3), ((r * h + y) * width + k * w) * 3);
    }),
  );
  return { rgb, width, height: rows.length * h };
}

/** Frames raw (top) and through f_A (bottom): the middle frames of the first validation videos. */
export function frameGrid(
  fA: Network,
  videos: GridVideos,
  autocast: boolean,
): { png: Buffer; width: number; height: number } {
  const mid = (f: readonly Uint8Array[]): Uint8Array => f[Math.floor(f.length / 2)] as Uint8Array;
  const raw = videos.videos.map(mid);
  const a = learned('f_A', fA, { autocast });
  let anon: Uint8Array[];
  if (a.video) {
    // A motion-aware f_A: the middle frame as it comes out of its video (with its motion).
    const v = a.video;
    anon = videos.videos.map((f) => mid(anonymizeVideoFrames(v, f, videos.width, videos.height)));
  } else {
    const x = framesToTensor(raw, videos.width, videos.height);
    const y = a.apply(x, []);
    anon = tensorToFrames(y.clamp(0, 1));
    x.dispose();
    y.dispose();
  }
  const g = tile([raw, anon], videos.width, videos.height);
  return { png: encodePng(g.rgb, g.width, g.height), width: g.width, height: g.height };
}

/** Equal-size RGB frames (read once, before training: the grid is drawn every epoch). */
/** The first validation videos' frames, read once before training (the grid is drawn every epoch). */
export interface GridVideos {
  videos: Uint8Array[][];
  width: number;
  height: number;
}

export interface Follow {
  onStep: NonNullable<MinimaxRun['onStep']>;
  onEpoch: NonNullable<MinimaxRun['onEpoch']>;
  close(): void;
}

/** Logs registry run `id` of the minimax in `dir` to the registry, metrics.csv and TensorBoard. */
export function followRun(
  dir: string,
  registry: Registry,
  id: number,
  c: MethodConfig,
  grid: { fA: Network; videos: GridVideos },
): Follow {
  const log = new RunLog(dir);
  return {
    onStep: (s) => log.step(s.step, s.losses, s.epoch),
    onEpoch: (e, step, loader) => {
      const m = epochMetrics(e, c);
      registry.logEpoch(id, e.epoch, m);
      // The share of the epoch's step time spent waiting for batches (the loader's only cost to training).
      log.epoch(e.epoch, step, { ...m, loader_wait: loader.wait / Math.max(1e-9, loader.seconds) });
      const g = frameGrid(grid.fA, grid.videos, c.autocast);
      log.image('frames/raw-top-anonymized-bottom', g.png, g.height, g.width, step);
      log.flush();
    },
    close: () => log.close(),
  };
}
