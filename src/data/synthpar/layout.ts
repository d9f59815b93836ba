// Where SynthPAR's clips and images go in the official layouts, and which split each is in.
// UCF101: clips of a class are spread over its 25 groups; split k tests groups 7k-6..7k, as in
// the real split lists. HMDB51: per split, 3 in 10 clips of a class are test, 1 unused, 6 train.
// VISPR: 65% train, 10% val, 25% test.
import { camelName } from './catalog.js';

export interface UcfName {
  className: string;
  group: number;
  clip: number;
  /** Relative to the UCF-101 folder. */
  path: string;
}

/** Names for the k-th (0-based) clip of a class that has n clips. */
export function ucfNames(action: string, n: number): UcfName[] {
  const className = camelName(action);
  const perGroup = new Map<number, number>();
  return Array.from({ length: n }, (_, k) => {
    const group = 1 + Math.floor((k * 25) / n);
    const clip = (perGroup.get(group) ?? 0) + 1;
    perGroup.set(group, clip);
    const pad = (v: number): string => String(v).padStart(2, '0');
    return {
      className,
      group,
      clip,
      path: `${className}/v_${className}_g${pad(group)}_c${pad(clip)}.avi`,
    };
  });
}

export const ucfIsTest = (group: number, split: 1 | 2 | 3): boolean =>
  group > (split - 1) * 7 && group <= split * 7;

/**
 * HMDB51 split value of the k-th (0-based) of n clips of a class: 1 train, 2 test, 0 unused.
 * Each split rotates which clips are tested; small classes still get both train and test.
 */
export function hmdbSplit(k: number, n: number, split: 1 | 2 | 3): 0 | 1 | 2 {
  const q = ((k + (split - 1) * Math.ceil(n / 3)) % n) / n;
  return q < 0.3 ? 2 : q < 0.4 && n >= 3 ? 0 : 1;
}

export function hmdbName(index: number, action: string, people: number): string {
  return `SynthPAR_${String(index).padStart(6, '0')}_${action}_f_nm_np${people}_fr_goo_0.avi`;
}

export type VisprSplit = 'train' | 'val' | 'test';

export function visprSplit(index: number): VisprSplit {
  const r = index % 20;
  return r < 13 ? 'train' : r < 15 ? 'val' : 'test';
}

export const visprId = (index: number): string => `2017_${String(10000000 + index)}`;
