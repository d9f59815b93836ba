// The tables' spread: mean and standard deviation over seeds. The scores themselves (top-1, AP,
// cMAP, macro-F1) live in src/method/metrics.ts, below this folder, because the minimax's
// checkpoint selection scores its validation split with them too.
/** Mean and sample standard deviation (0 for a single value). */
export function meanStd(v: readonly number[]): { mean: number; std: number } {
  if (v.length === 0) throw new Error('meanStd: no values');
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1));
  return { mean, std };
}
