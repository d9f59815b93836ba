// The tables' metrics. The scores (video-level top-1, AP and cMAP, macro-F1) are implemented in
// src/method/metrics.ts, below this folder, because the minimax's checkpoint selection scores its
// validation split with them too; they are re-exported here for the protocol, the report and the CLI.
export {
  attributeMetrics,
  type AttributeMetrics,
  averagePrecision,
  f1,
  meanSoftmax,
  top1,
} from '../method/metrics.js';

/** Mean and sample standard deviation (0 for a single value). */
export function meanStd(v: readonly number[]): { mean: number; std: number } {
  if (v.length === 0) throw new Error('meanStd: no values');
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return { mean, std };
}
