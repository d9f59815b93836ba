// SynthPAR backgrounds: outdoor (sky, horizon, ground, trees) or indoor (wall, floor, door,
// pictures), which is the `outdoor` attribute; a distant tower or a framed picture of one is the
// novel variant's `landmark`. Drawn once per clip: the camera does not move.
import type { Rng } from '../rng.js';
import { type Canvas, hsv, mix, type Rgb } from './raster.js';

export interface Background {
  outdoor: boolean;
  landmark: boolean;
  /** Horizon (outdoor) or floor line (indoor), as a fraction of the height. */
  line: number;
  upper: Rgb;
  lower: Rgb;
  /** Props: trees and clouds outdoors, doors and pictures indoors (normalised x, size, colour). */
  props: {
    kind: 'tree' | 'cloud' | 'sun' | 'door' | 'picture' | 'stripes';
    x: number;
    size: number;
    color: Rgb;
  }[];
  landmarkX: number;
  /** Floor planks or ground texture spacing, in heights. */
  texture: number;
}

export function sampleBackground(rng: Rng, outdoor: boolean, landmark: boolean): Background {
  const props: Background['props'] = [];
  if (outdoor) {
    const overcast = rng.bool(0.25);
    const upper = overcast
      ? hsv(rng.uniform(190, 230), rng.uniform(0.03, 0.12), rng.uniform(0.7, 0.85))
      : hsv(rng.uniform(195, 225), rng.uniform(0.35, 0.7), rng.uniform(0.78, 0.97));
    const sandy = rng.bool(0.3);
    const lower = sandy
      ? hsv(rng.uniform(28, 45), rng.uniform(0.35, 0.55), rng.uniform(0.55, 0.75))
      : hsv(rng.uniform(75, 135), rng.uniform(0.35, 0.65), rng.uniform(0.3, 0.6));
    for (let i = rng.int(0, 3); i > 0; i--)
      props.push({
        kind: 'tree',
        x: rng.uniform(0, 1),
        size: rng.uniform(0.12, 0.25),
        color: hsv(rng.uniform(90, 140), rng.uniform(0.4, 0.7), rng.uniform(0.2, 0.45)),
      });
    for (let i = rng.int(0, 2); i > 0; i--)
      props.push({
        kind: 'cloud',
        x: rng.uniform(0, 1),
        size: rng.uniform(0.06, 0.12),
        color: [0.96, 0.96, 0.97],
      });
    if (!overcast && rng.bool(0.3))
      props.push({
        kind: 'sun',
        x: rng.uniform(0.05, 0.95),
        size: rng.uniform(0.04, 0.07),
        color: [1, 0.92, 0.5],
      });
    return {
      outdoor,
      landmark,
      line: rng.uniform(0.45, 0.65),
      upper,
      lower,
      props,
      landmarkX: rng.uniform(0.1, 0.9),
      texture: 0,
    };
  }
  const upper = hsv(rng.uniform(0, 360), rng.uniform(0.05, 0.3), rng.uniform(0.55, 0.9));
  const lower = rng.bool(0.6)
    ? hsv(rng.uniform(20, 38), rng.uniform(0.4, 0.65), rng.uniform(0.3, 0.55))
    : hsv(rng.uniform(0, 360), rng.uniform(0, 0.15), rng.uniform(0.45, 0.8));
  if (rng.bool(0.4))
    props.push({
      kind: 'stripes',
      x: rng.uniform(0.03, 0.08),
      size: rng.uniform(0.01, 0.03),
      color: mix(upper, [0, 0, 0], 0.12),
    });
  if (rng.bool(0.5))
    props.push({
      kind: 'door',
      x: rng.uniform(0.05, 0.85),
      size: rng.uniform(0.28, 0.4),
      color: hsv(rng.uniform(15, 35), rng.uniform(0.4, 0.7), rng.uniform(0.25, 0.5)),
    });
  for (let i = rng.int(0, 2); i > 0; i--)
    props.push({
      kind: 'picture',
      x: rng.uniform(0.05, 0.95),
      size: rng.uniform(0.08, 0.15),
      color: hsv(rng.uniform(0, 360), rng.uniform(0.3, 0.8), rng.uniform(0.4, 0.9)),
    });
  return {
    outdoor,
    landmark,
    line: rng.uniform(0.58, 0.72),
    upper,
    lower,
    props,
    landmarkX: rng.uniform(0.1, 0.9),
    texture: rng.uniform(0.04, 0.08),
  };
}

const DARK_FRAME: Rgb = [0.15, 0.12, 0.1];
const TOWER: Rgb = [0.25, 0.22, 0.28];

/** A lattice tower, base centre (x, y), height s, all in pixels. */
function tower(cv: Canvas, x: number, y: number, s: number): void {
  cv.polygon(
    [
      [x - s * 0.05, y - s],
      [x + s * 0.05, y - s],
      [x + s * 0.3, y],
      [x - s * 0.3, y],
    ],
    TOWER,
  );
  cv.rect(x - s * 0.14, y - s * 0.38, x + s * 0.14, y - s * 0.33, TOWER);
  cv.ellipse(x, y, s * 0.14, s * 0.18, mix(TOWER, [0.9, 0.9, 0.9], 0.6));
}

export function drawBackground(cv: Canvas, b: Background): void {
  const W = cv.width;
  const H = cv.height;
  const line = b.line * H;
  if (b.outdoor) {
    cv.gradient(0, line, b.upper, mix(b.upper, [1, 1, 1], 0.45));
    cv.gradient(line, H, mix(b.lower, [1, 1, 1], 0.15), mix(b.lower, [0, 0, 0], 0.25));
    for (const p of b.props) {
      const x = p.x * W;
      const s = p.size * H;
      if (p.kind === 'sun') cv.ellipse(x, line * 0.3, s, s, p.color);
      else if (p.kind === 'cloud') cv.ellipse(x, line * 0.35, s * 2, s * 0.8, p.color);
      else if (p.kind === 'tree') {
        cv.rect(x - s * 0.08, line - s * 0.5, x + s * 0.08, line + s * 0.1, [0.35, 0.24, 0.14]);
        cv.ellipse(x, line - s * 0.7, s * 0.4, s * 0.5, p.color);
      }
    }
    if (b.landmark) tower(cv, b.landmarkX * W, line + H * 0.01, H * 0.38);
    return;
  }
  cv.gradient(0, line, mix(b.upper, [1, 1, 1], 0.1), b.upper);
  cv.gradient(line, H, b.lower, mix(b.lower, [0, 0, 0], 0.2));
  const plank = Math.max(2, b.texture * H);
  for (let y = line + plank; y < H; y += plank)
    cv.rect(0, y, W, y + Math.max(0.5, H / 200), mix(b.lower, [0, 0, 0], 0.3));
  cv.rect(0, line - H * 0.02, W, line, mix(b.upper, [1, 1, 1], 0.6));
  for (const p of b.props) {
    const x = p.x * W;
    const s = p.size * H;
    if (p.kind === 'stripes') {
      for (let sx = 0; sx < W; sx += p.x * W)
        cv.rect(sx, 0, sx + Math.max(0.5, p.size * W), line - H * 0.02, p.color);
    } else if (p.kind === 'door') {
      cv.rect(x, line - s * 1.6, x + s * 0.7, line, p.color);
      cv.ellipse(x + s * 0.58, line - s * 0.8, s * 0.04, s * 0.04, [0.85, 0.75, 0.3]);
    } else if (p.kind === 'picture') {
      cv.rect(x - s, line * 0.25 - s * 0.7, x + s, line * 0.25 + s * 0.7, DARK_FRAME);
      cv.rect(x - s * 0.85, line * 0.25 - s * 0.55, x + s * 0.85, line * 0.25 + s * 0.55, p.color);
    }
  }
  if (b.landmark) {
    // A framed poster of the tower: indoors the landmark is a picture of it.
    const x = b.landmarkX * W;
    const y = line * 0.45;
    const s = H * 0.16;
    cv.rect(x - s * 0.7, y - s * 1.05, x + s * 0.7, y + s * 0.15, DARK_FRAME);
    cv.rect(x - s * 0.6, y - s * 0.95, x + s * 0.6, y + s * 0.05, [0.85, 0.88, 0.95]);
    tower(cv, x, y, s * 0.95);
  }
}
