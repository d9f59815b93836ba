import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  actionsOf,
  attributesOf,
  KNOWN_ACTIONS,
  NOVEL_ACTIONS,
  NOVEL_ATTRIBUTES,
  renderClip,
  renderStill,
  sampleScene,
  synthClip,
  synthImage,
  VARIANTS,
  activitiesOf,
  CONTEXT_MATCH,
  type Attribute,
  type Variant,
} from '../../src/data/synthpar/index.js';

const S = 64;
const T = 12;
const cfg = (variant: Variant, frames = T) => ({
  seed: 7,
  variant,
  width: S,
  height: S,
  frames,
});

/** Pixels where any channel differs by more than `tol`. */
function changed(a: Uint8Array, b: Uint8Array, tol = 24): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 3) {
    const d = Math.max(
      Math.abs(a[i]! - b[i]!),
      Math.abs(a[i + 1]! - b[i + 1]!),
      Math.abs(a[i + 2]! - b[i + 2]!),
    );
    if (d > tol) n++;
  }
  return n;
}

test('every variant has at least 10 motion-defined actions and 7 attributes, and they differ', () => {
  for (const v of VARIANTS) {
    assert.ok(actionsOf(v).length >= 10);
    assert.equal(attributesOf(v).length, 7);
  }
  const known = new Set(KNOWN_ACTIONS.map((a) => a.id));
  assert.ok(
    NOVEL_ACTIONS.every((a) => !known.has(a.id)),
    'novel actions are new',
  );
  assert.ok(
    attributesOf('novel').every((a) => !attributesOf('known').includes(a)),
    'novel attributes are new',
  );
  for (const [v, pairs] of [
    [
      'known',
      [
        ['lower_hand', 'raise_hand'],
        ['stand_up', 'sit_down'],
      ],
    ],
    [
      'novel',
      [
        ['lower_arms', 'raise_arms'],
        ['get_up', 'kneel_down'],
      ],
    ],
  ] as const) {
    for (const [rev, fwd] of pairs) assert.equal(actionsOf(v).find((a) => a.id === rev)?.reverseOf, fwd);
  }
});

test('the same seed renders the same clip; another seed or index does not', () => {
  const a = synthClip(cfg('known'), 3);
  const b = synthClip(cfg('known'), 3);
  assert.deepEqual(a.frames, b.frames);
  assert.deepEqual(a.boxes, b.boxes);
  assert.notDeepEqual(synthClip({ ...cfg('known'), seed: 8 }, 3).frames[0], a.frames[0]);
  assert.notDeepEqual(synthClip(cfg('known'), 4).frames[0], a.frames[0]);
  assert.deepEqual(synthImage(cfg('known'), 5).data, synthImage(cfg('known'), 5).data);
});

test('attributes are 30-50% positive each and drawn independently of the action', () => {
  for (const v of VARIANTS) {
    const n = 2000;
    const scenes = Array.from({ length: n }, (_, i) => sampleScene(11, v, i));
    const actions = actionsOf(v).map((a) => a.id);
    for (const k of attributesOf(v)) {
      const rate = scenes.filter((s) => s.attributes[k]).length / n;
      assert.ok(rate >= 0.3 && rate <= 0.5, `${v} ${k}: ${rate}`);
      for (const a of actions) {
        const of = scenes.filter((s) => s.action === a);
        const r = of.filter((s) => s.attributes[k]).length / of.length;
        assert.ok(Math.abs(r - rate) < 0.13, `${v} ${k} given ${a}: ${r} vs ${rate}`);
      }
    }
    // Structurally: the attributes of a scene are the same whatever its action is.
    for (let i = 0; i < 20; i++) {
      const base = sampleScene(11, v, i);
      for (const a of actions)
        assert.deepEqual(sampleScene(11, v, i, { action: a }).attributes, base.attributes);
    }
  }
  const known = Array.from({ length: 300 }, (_, i) => sampleScene(1, 'known', i));
  assert.ok(
    known.every((s) => NOVEL_ATTRIBUTES.every((k) => !s.attributes[k])),
    'the known variant never shows novel attributes',
  );
});

test('a time-reversed pair has the very same single frames: only the order tells them apart', () => {
  for (const v of VARIANTS) {
    for (const def of actionsOf(v).filter((a) => a.reverseOf)) {
      for (const index of [0, 1, 2]) {
        const back = synthClip(cfg(v), index, { action: def.id });
        const fwd = synthClip(cfg(v), index, { action: def.reverseOf });
        for (let t = 0; t < T; t++) {
          assert.deepEqual(
            back.frames[t],
            fwd.frames[T - 1 - t],
            `${def.id} frame ${t} is ${def.reverseOf} frame ${T - 1 - t}`,
          );
          assert.deepEqual(back.boxes[t], fwd.boxes[T - 1 - t]);
        }
        // So the multiset of frames is the same, but the clips are not: the action needs time.
        const moved = back.frames.some((f, t) => changed(f, fwd.frames[t] as Uint8Array) > 10);
        assert.ok(moved, `${def.id} and ${def.reverseOf} differ as sequences`);
        const sb = sampleScene(7, v, index, { action: def.id });
        const sf = sampleScene(7, v, index, { action: def.reverseOf });
        assert.deepEqual(
          renderStill(sb, 0.3, { width: S, height: S }).data,
          renderStill(sf, 0.7, { width: S, height: S }).data,
        );
      }
    }
  }
});

test('every attribute shows in every single frame', () => {
  for (const v of VARIANTS) {
    for (const k of attributesOf(v)) {
      for (const index of [0, 1, 2, 3, 4, 5, 6, 7]) {
        const on = synthClip(cfg(v), index, {
          attributes: { [k]: true } as Partial<Record<Attribute, boolean>>,
        });
        const off = synthClip(cfg(v), index, {
          attributes: { [k]: false } as Partial<Record<Attribute, boolean>>,
        });
        assert.equal(on.labels[attributesOf(v).indexOf(k)], 1);
        assert.equal(off.labels[attributesOf(v).indexOf(k)], 0);
        on.frames.forEach((f, t) => {
          const n = changed(f, off.frames[t] as Uint8Array);
          assert.ok(n >= 4, `${v} ${k} scene ${index} frame ${t}: only ${n} pixels show it`);
        });
      }
    }
  }
});

test('person boxes hold everything that moves, one per person', () => {
  for (const index of [0, 4, 6, 9]) {
    const c = synthClip({ ...cfg('known'), noise: false }, index, {
      attributes: { second_person: true },
    });
    for (let t = 1; t < T; t++) {
      assert.equal(c.boxes[t]?.length, 2, 'actor and bystander');
      const a = c.frames[t - 1] as Uint8Array;
      const b = c.frames[t] as Uint8Array;
      for (let p = 0; p < S * S; p++) {
        if (a[p * 3] === b[p * 3] && a[p * 3 + 1] === b[p * 3 + 1] && a[p * 3 + 2] === b[p * 3 + 2]) continue;
        const x = p % S;
        const y = Math.floor(p / S);
        const inside = [...c.boxes[t - 1]!, ...c.boxes[t]!].some(
          ([x0, y0, x1, y1]) => x >= x0 && x < x1 && y >= y0 && y < y1,
        );
        assert.ok(inside, `scene ${index} frame ${t}: pixel ${x},${y} changed outside every box`);
      }
    }
    const alone = synthClip(cfg('known'), index, {
      attributes: { second_person: false },
    });
    assert.ok(alone.boxes.every((b) => b.length === 1));
  }
});

test('actions happen in place: the actor box is the same in every frame and for every action', () => {
  // What blackening or blurring the box leaves must not tell the action (the calibration):
  // the box is the region the person's reach covers, so it is one box per scene, whatever they do.
  for (const v of VARIANTS)
    for (const index of [0, 3, 5, 8, 11, 17]) {
      for (const look of [{}, { heavy_build: true }, { child: true }]) {
        const boxes = new Set<string>();
        for (const a of actionsOf(v)) {
          const c = synthClip({ ...cfg(v, 16), width: 96, height: 96 }, index, {
            action: a.id,
            attributes: { second_person: true, ...look },
          });
          for (const b of c.boxes) boxes.add(JSON.stringify(b));
        }
        assert.equal(boxes.size, 1, `${v} scene ${index} ${JSON.stringify(look)}: ${[...boxes].join(' ')}`);
      }
    }
});

test("the context shows the action more often than chance, and mostly lies outside the actor's box", () => {
  for (const v of VARIANTS) {
    // An activity is an action with its time-reversed twin (their single frames must stay equal).
    const activities = activitiesOf(actionsOf(v));
    const scenes = Array.from({ length: 2000 }, (_, i) => sampleScene(13, v, i));
    const match = scenes.filter((s) => s.context.of === s.motion).length / scenes.length;
    assert.ok(Math.abs(match - CONTEXT_MATCH) < 0.04, `${v}: ${match}`);
    // When it does not match, it is another activity's, uniformly: no second-best guess.
    const wrong = scenes.filter((s) => s.context.of !== s.motion);
    for (const k of activities) {
      const share = wrong.filter((s) => s.context.of === k).length / wrong.length;
      assert.ok(Math.abs(share - 1 / activities.length) < 0.04, `${v}: context ${k} ${share}`);
    }
  }
  // Clear of the actor's box in most scenes (77% and 90% here), so blackening usually leaves it.
  for (const v of VARIANTS) {
    const n = 200;
    let clear = 0;
    for (let index = 0; index < n; index++) {
      const scene = sampleScene(3, v, index);
      const actor = renderClip(scene, 2, { width: 64, height: 64 }).boxes[0]?.[0] as number[];
      const { x, y, size } = scene.context;
      const [cx0, cy0, cx1, cy1] = [(x - size) * 64, (y - size) * 64, (x + size) * 64, (y + size) * 64];
      const [x0, y0, x1, y1] = actor as [number, number, number, number];
      if (cx1 <= x0 || cx0 >= x1 || cy1 <= y0 || cy0 >= y1) clear++;
    }
    assert.ok(clear / n >= 0.7, `${v}: context clear of the actor's box in ${clear} of ${n}`);
  }
});

test('any resolution and clip length; 16 frames at 112x112 render in well under 50 ms', () => {
  const c = synthClip({ seed: 1, width: 48, height: 32, frames: 3 }, 0);
  assert.deepEqual([c.frames.length, c.frames[0]?.length], [3, 48 * 32 * 3]);
  assert.equal(synthClip({ seed: 1, width: 16, height: 16, frames: 1 }, 0).frames.length, 1);
  assert.throws(() => synthClip({ seed: 1, width: 4, height: 16, frames: 1 }, 0), /at least 8x8/);
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const scene = sampleScene(5, 'known', i, {
      attributes: { second_person: true, id_badge: true },
    });
    const t0 = performance.now();
    renderClip(scene, 16, { width: 112, height: 112 });
    times.push(performance.now() - t0);
  }
  const median = times.sort((a, b) => a - b)[3] as number;
  assert.ok(median < 50, `median ${median.toFixed(1)} ms`);
});
