// A 3x5 pixel font for the characters on SynthPAR's ID badges: A-Z and 0-9.
import type { Canvas, Rgb } from './raster.js';

export const BADGE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

// Each glyph is five rows of three bits, top row first, leftmost pixel the high bit.
// prettier-ignore
const GLYPHS: Record<string, readonly number[]> = {
  A: [2, 5, 7, 5, 5], B: [6, 5, 6, 5, 6], C: [3, 4, 4, 4, 3], D: [6, 5, 5, 5, 6], E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4], G: [3, 4, 5, 5, 3], H: [5, 5, 7, 5, 5], I: [7, 2, 2, 2, 7], J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5], L: [4, 4, 4, 4, 7], M: [5, 7, 7, 5, 5], N: [6, 5, 5, 5, 5], O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4], Q: [2, 5, 5, 6, 3], R: [6, 5, 6, 5, 5], S: [3, 4, 2, 1, 6], T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7], V: [5, 5, 5, 5, 2], W: [5, 5, 7, 7, 5], X: [5, 5, 2, 5, 5], Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7], '0': [7, 5, 5, 5, 7], '1': [2, 6, 2, 2, 7], '2': [6, 1, 2, 4, 7], '3': [6, 1, 2, 1, 6],
  '4': [5, 5, 7, 1, 1], '5': [7, 4, 6, 1, 6], '6': [3, 4, 7, 5, 7], '7': [7, 1, 2, 2, 2], '8': [7, 5, 7, 5, 7],
  '9': [7, 5, 7, 1, 6],
};

/** Draws `text` with its top-left corner at (x, y), each font pixel `px` canvas pixels wide. */
export function drawText(canvas: Canvas, text: string, x: number, y: number, px: number, c: Rgb): void {
  for (const [k, ch] of [...text].entries()) {
    const rows = GLYPHS[ch];
    if (!rows) throw new Error(`drawText: no glyph for '${ch}'`);
    const gx = x + k * 4 * px;
    rows.forEach((bits, r) => {
      for (let b = 0; b < 3; b++) {
        if (bits & (4 >> b)) canvas.rect(gx + b * px, y + r * px, gx + (b + 1) * px, y + (r + 1) * px, c);
      }
    });
  }
}
