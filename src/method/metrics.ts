// The scores, on plain numbers: video-level top-1, average precision and its mean over attributes
// (cMAP), and macro-F1 at a threshold. AP and F1 follow scikit-learn's definitions. They live here,
// below src/eval, because the minimax scores its validation split with them too (checkpoint
// selection); the protocol's fresh judges report the same numbers.

/** Fraction of rows whose highest score is the label (rows: one score per class). */
export function top1(scores: readonly (readonly number[])[], labels: readonly number[]): number {
  if (scores.length === 0) throw new Error('top1: no rows');
  return hits(scores, labels).reduce((a, b) => a + b, 0) / scores.length;
}

/** Per row, 1 when its highest score (the first, on ties) is the label, else 0. */
export function hits(scores: readonly (readonly number[])[], labels: readonly number[]): number[] {
  if (scores.length !== labels.length) throw new Error('top1: one label per row of scores');
  return scores.map((row, i) => {
    let best = 0;
    for (let c = 1; c < row.length; c++) if ((row[c] as number) > (row[best] as number)) best = c;
    return Number(best === labels[i]);
  });
}

/** The mean over a video's clips of their softmax probabilities. */
export function meanSoftmax(clipLogits: readonly (readonly number[])[]): number[] {
  const k = clipLogits.length;
  const out = new Array<number>(clipLogits[0]?.length ?? 0).fill(0);
  for (const row of clipLogits) {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    e.forEach((v, c) => (out[c] = (out[c] as number) + v / s / k));
  }
  return out;
}

/**
 * Average precision as scikit-learn computes it: sum over distinct score thresholds (high to low)
 * of (recall gain) * precision. NaN when there is no positive.
 */
export function averagePrecision(scores: readonly number[], labels: readonly number[]): number {
  const pos = labels.reduce((a, b) => a + (b ? 1 : 0), 0);
  if (pos === 0) return NaN;
  const order = scores.map((s, i) => [s, labels[i] ? 1 : 0] as const).sort((a, b) => b[0] - a[0]);
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < order.length; i++) {
    const [s, y] = order[i] as readonly [number, number];
    if (y) tp++;
    else fp++;
    // Tied scores form one threshold: only the last of a run adds a point.
    if (i + 1 < order.length && (order[i + 1] as readonly [number, number])[0] === s) continue;
    const recall = tp / pos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

/** F1 of binary predictions (0 when there is neither a positive label nor a positive prediction). */
export function f1(pred: readonly boolean[], labels: readonly number[]): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  pred.forEach((p, i) => {
    const y = labels[i] ? 1 : 0;
    if (p && y) tp++;
    else if (p) fp++;
    else if (y) fn++;
  });
  return 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

export interface AttributeMetrics {
  /** Mean AP over the attributes that have a positive test image. */
  cmap: number;
  /** Macro F1, predicting an attribute when sigmoid(logit) >= 0.5 (logit >= 0). */
  f1: number;
  /** Macro F1 as the original code computes it: raw logits above 0.5. */
  f1LogitAbove05: number;
  perAttributeAP: number[];
  /** Attributes left out of cMAP for want of a positive test image. */
  skipped: number[];
}

/** logits[i][a] of image i and attribute a against 0/1 labels. */
export function attributeMetrics(
  logits: readonly (readonly number[])[],
  labels: readonly (ArrayLike<number> & Iterable<number>)[],
): AttributeMetrics {
  if (logits.length !== labels.length || logits.length === 0)
    throw new Error('attributeMetrics: need one label row per logit row, and at least one row');
  const a = (logits[0] as readonly number[]).length;
  const col = <T>(rows: readonly ArrayLike<T>[], k: number): T[] => rows.map((r) => r[k] as T);
  const aps: number[] = [];
  const skipped: number[] = [];
  const f1s: number[] = [];
  const f1Logit: number[] = [];
  for (let k = 0; k < a; k++) {
    const s = col(logits, k);
    const y = col(labels, k);
    const ap = averagePrecision(s, y);
    if (Number.isNaN(ap)) skipped.push(k);
    aps.push(ap);
    // sigmoid(z) >= 0.5 exactly when z >= 0.
    f1s.push(
      f1(
        s.map((z) => z >= 0),
        y,
      ),
    );
    f1Logit.push(
      f1(
        s.map((z) => z > 0.5),
        y,
      ),
    );
  }
  const valid = aps.filter((v) => !Number.isNaN(v));
  if (valid.length === 0) throw new Error('attributeMetrics: no attribute has a positive test image');
  const mean = (v: number[]): number => v.reduce((x, y) => x + y, 0) / v.length;
  return { cmap: mean(valid), f1: mean(f1s), f1LogitAbove05: mean(f1Logit), perAttributeAP: aps, skipped };
}
