// SynthPAR's actions as motion alone: each maps the clip's normalised time tau in [0, 1] to a
// pose of a front-facing 2D puppet. Every action happens in place: the hips stay where the scene
// put them and only the limbs, the knees and the height of the body move, so the person's box
// (src/data/synthpar/render.ts: the region the person's reach covers) is the same box whatever
// the action, and blackening it takes the action away with the person, as on real data. The body
// looks the same whatever it does, so a single frame shows a pose, never an action; actions that
// are another played backwards (stand_up, lower_hand, ...) have no function here at all: the
// renderer evaluates their forward twin at 1 - tau, which is what makes their single frames
// indistinguishable by construction.

/** Absolute limb angles in radians: 0 points down, +pi/2 towards +x (image right), pi up. */
export interface Limb {
  upper: number;
  lower: number;
}

export interface Pose {
  /** Horizontal shift of the hips, in frame widths: only the backbones' walking moves them. */
  x?: number;
  /** Feet above the ground, in body heights. */
  lift: number;
  /** Torso angle from vertical, radians (+ leans towards +x). */
  lean: number;
  armL: Limb;
  armR: Limb;
  legL: Limb;
  legR: Limb;
}

/** Per-clip motion parameters: how fast, how wide, when, from where. */
export interface MotionParams {
  /** Start phase of periodic motions. */
  phase: number;
  /** Cycles per clip. */
  cycles: number;
  /** Amplitude factor. */
  amp: number;
  /** Transition window [start, end] in tau for one-off motions (sit down, kneel down, raise arms). */
  start: number;
  end: number;
}

type Motion = (tau: number, m: MotionParams) => Pose;

const limb = (upper: number, lower: number): Limb => ({ upper, lower });
/** A symmetric pair: angle a outwards on both sides. */
const out = (a: number, b = a): [Limb, Limb] => [limb(-a, -b), limb(a, b)];

function rest(): Pose {
  const [armL, armR] = out(0.15, 0.1);
  const [legL, legR] = out(0.06, 0.04);
  return { lift: 0, lean: 0, armL, armR, legL, legR };
}

const phaseOf = (tau: number, m: MotionParams): number => m.phase + 2 * Math.PI * m.cycles * tau;
/** 0 before the window, 1 after it, smooth in between. */
function progress(tau: number, m: MotionParams): number {
  const u = Math.min(1, Math.max(0, (tau - m.start) / (m.end - m.start)));
  return u * u * (3 - 2 * u);
}
const pos = (v: number): number => Math.max(0, v);
const wave01 = (p: number): number => (1 - Math.cos(p)) / 2;

export const MOTIONS: Record<string, Motion> = {
  // The right arm rises from the side to straight above the head, as to ask a question; played
  // backwards it comes down (lower_hand): only the order of frames tells them apart.
  raise_hand: (tau, m) => {
    const k = progress(tau, m);
    const p = rest();
    p.armR = limb(0.15 + 2.85 * k, 0.1 + 2.95 * k);
    p.lean = -0.04 * k;
    return p;
  },
  // Walking across the frame: in the backbones' vocabulary only (catalog.ts, TRAVEL_ACTIONS).
  walk_right: (tau, m) => {
    const s = Math.sin(phaseOf(tau, m)) * m.amp;
    const p = rest();
    p.x = 0.3 * m.amp * (tau - 0.5);
    p.lift = 0.012 * Math.abs(Math.cos(phaseOf(tau, m)));
    p.legL = limb(-0.05 + 0.32 * s, -0.05 + 0.2 * s);
    p.legR = limb(0.05 - 0.32 * s, 0.05 - 0.2 * s);
    // Arms swing beside the body, never across it.
    p.armL = limb(-0.25 - 0.2 * s, -0.22 - 0.22 * s);
    p.armR = limb(0.25 - 0.2 * s, 0.22 - 0.22 * s);
    return p;
  },
  sit_down: (tau, m) => {
    const k = progress(tau, m);
    const p = rest();
    [p.legL, p.legR] = out(0.06 + 1.3 * k, 0.04 + 0.06 * k);
    [p.armL, p.armR] = out(0.15 + 0.4 * k, 0.1 - 0.15 * k);
    return p;
  },
  // The raised right forearm swings from side to side (swing_racket, swing_paddle).
  swing: (tau, m) => {
    const s = Math.sin(phaseOf(tau, m));
    const p = rest();
    p.armR = limb(2.3, Math.PI + 0.45 * m.amp * s);
    p.lean = -0.03 * s;
    return p;
  },
  // The right hand, held out in front of the chest, shakes up and down twice as fast as the other
  // periodic motions (shake_rattle, shake_bottle).
  shake: (tau, m) => {
    const s = Math.sin(2 * phaseOf(tau, m));
    const p = rest();
    p.armR = limb(0.9 + 0.1 * s, 1.75 + 0.45 * m.amp * s);
    return p;
  },
  // The raised right forearm comes down onto something at waist height and back (novel).
  chop: (tau, m) => {
    const e = wave01(phaseOf(tau, m)) * Math.min(1, m.amp);
    const p = rest();
    p.armR = limb(1.2 - 0.5 * e, 2.6 - 1.6 * e);
    p.lean = 0.04 * e;
    return p;
  },
  // The right hand circles in front of the waist (novel).
  stir: (tau, m) => {
    const ph = phaseOf(tau, m);
    const p = rest();
    p.armR = limb(0.45 + 0.12 * m.amp * Math.sin(ph), 1.45 + 0.35 * m.amp * Math.cos(ph));
    return p;
  },
  clap_overhead: (tau, m) => {
    const s = wave01(phaseOf(tau, m));
    const p = rest();
    [p.armL, p.armR] = out(2.8, 2.8 + 1.5 * s * Math.min(1, m.amp));
    return p;
  },
  squat: (tau, m) => {
    const s = wave01(phaseOf(tau, m)) * Math.min(1, m.amp);
    const p = rest();
    [p.legL, p.legR] = out(0.06 + 1.0 * s, 0.04 - 0.5 * s);
    [p.armL, p.armR] = out(0.15 + 1.35 * s);
    return p;
  },
  raise_arms: (tau, m) => {
    const k = progress(tau, m);
    const p = rest();
    [p.armL, p.armR] = out(0.15 + 2.85 * k);
    return p;
  },
  // One knee goes down to the ground, the other leg stays planted (get_up plays it backwards).
  kneel_down: (tau, m) => {
    const k = progress(tau, m);
    const p = rest();
    p.legL = limb(-(0.06 + 0.25 * k), -(0.04 - 1.45 * k));
    p.legR = limb(0.06 + 1.35 * k, 0.04 + 0.1 * k);
    [p.armL, p.armR] = out(0.15 + 0.25 * k, 0.1 + 0.5 * k);
    return p;
  },
  march: (tau, m) => {
    const s = Math.sin(phaseOf(tau, m));
    const p = rest();
    p.legL = limb(-(0.06 + 1.2 * pos(s) * m.amp), -(0.04 - 0.3 * pos(s)));
    p.legR = limb(0.06 + 1.2 * pos(-s) * m.amp, 0.04 - 0.3 * pos(-s));
    p.armL = limb(-0.15 + 0.5 * s, -0.1 + 0.6 * s);
    p.armR = limb(0.15 + 0.5 * s, 0.1 + 0.6 * s);
    return p;
  },
  side_bend: (tau, m) => {
    const s = Math.sin(phaseOf(tau, m));
    const p = rest();
    p.lean = 0.4 * m.amp * s;
    p.armL = limb(-(0.15 + 2.5 * pos(s)), -(0.1 + 2.6 * pos(s)));
    p.armR = limb(0.15 + 2.5 * pos(-s), 0.1 + 2.6 * pos(-s));
    return p;
  },
};

/** The idle sway of a bystander: present in every frame, telling nothing about the action. */
export function idle(tau: number, m: MotionParams): Pose {
  const s = Math.sin(m.phase + 2 * Math.PI * 0.7 * tau);
  const p = rest();
  p.lean = 0.04 * s;
  p.armL = limb(-0.15 - 0.08 * s, -0.1 - 0.1 * s);
  p.armR = limb(0.15 - 0.08 * s, 0.1 - 0.1 * s);
  return p;
}
