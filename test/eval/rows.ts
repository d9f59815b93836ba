// Hand-made table rows for the study's statistics and the report's sentences.
import type { Estimate, StudyRow } from '../../src/eval/stats.js';

export const est = (mean: number, low: number, high: number, std = 0.01): Estimate => ({
  mean,
  std,
  low,
  high,
});

export const row = (
  method: string,
  kind: string,
  B: number | null,
  top1: [number, number, number],
  cmap: [number, number, number],
): StudyRow => ({ method, kind, B, top1: est(...top1), cmap: est(...cmap) });
