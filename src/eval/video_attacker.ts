// The video-level attacker of the VP-UCF101 / VP-HMDB51 protocol (STPrivacy's): privacy labels
// belong to whole videos, and the attacker looks at whole clips, so motion (gait, gestures) can
// betray what a single frame hides. A fresh network of the action judge's architecture (a 3D CNN)
// with a multi-label head, trained with BCE on anonymized training clips; on each anonymized
// test video, its logits averaged over the 5 test clips; cMAP and F1 over videos, at the best
// epoch (the worst case for privacy), as the image attacker is scored. (Aslam et al.'s released
// video-level attacker is a 2D ResNet-50 whose frame logits are averaged over the clip; a 3D
// network sees motion too, the stronger attacker.)
import type { Rng } from '../data/rng.js';
import { type ClipShape, testClipBatch, trainClipBatch } from '../method/batches.js';
import { infer } from '../method/inference.js';
import { attributeMetrics, type AttributeMetrics } from '../method/metrics.js';
import type { VideoSet } from '../method/sets.js';
import { fit } from '../method/step.js';
import { createModel, loadBackbone } from '../models/index.js';
import * as T from '../torch/index.js';
import type { PrivacyJudgement, ProtocolConfig, Tick } from './protocol.js';

/** Each video's attribute labels, looked up by its id. */
export interface VideoAttributes {
  attributes: string[];
  of: (videoId: string) => Uint8Array;
}

/** Per video, its logits averaged over its test clips. */
function videoLogits(
  predict: (clips: T.Tensor) => number[][],
  set: VideoSet,
  c: { clip: ClipShape; testClips: number; device: T.Device },
  videosPerBatch = 8,
): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < set.items.length; i += videosPerBatch) {
    const idx = Array.from({ length: Math.min(videosPerBatch, set.items.length - i) }, (_, k) => i + k);
    const logits = T.tidy(() => predict(testClipBatch(set, idx, c.clip, c.testClips, c.device)));
    for (let v = 0; v < idx.length; v++) {
      const clips = logits.slice(v * c.testClips, (v + 1) * c.testClips);
      out.push(
        (clips[0] as number[]).map((_, a) => clips.reduce((s, r) => s + (r[a] as number), 0) / clips.length),
      );
    }
  }
  return out;
}

export function judgeVideoAttacker(
  train: VideoSet,
  test: VideoSet,
  labels: VideoAttributes,
  c: ProtocolConfig,
  seed: number,
  tick: Tick = () => {},
): PrivacyJudgement {
  T.manualSeed(seed);
  const a = labels.attributes.length;
  const attacker = createModel(c.actionModel, { ...c.actionOptions, classes: a });
  if (c.actionInit) loadBackbone(attacker, c.actionInit);
  attacker.to(c.device);
  const trainLabels = train.items.map((v) => labels.of(v.id));
  const testLabels = test.items.map((v) => labels.of(v.id));
  const bce = (idx: number[], rng: Rng): T.Tensor => {
    const { x } = trainClipBatch(train, idx, c.clip, c.clipAugment, rng, c.device);
    const y = new Float32Array(idx.length * a);
    idx.forEach((i, k) => y.set(trainLabels[i] as Uint8Array, k * a));
    return T.binaryCrossEntropyWithLogits(
      attacker.forward(x),
      T.tensor(y, [idx.length, a], { device: c.device }),
    );
  };
  const perEpoch: PrivacyJudgement['perEpoch'] = [];
  let best: AttributeMetrics | null = null;
  let bestEpoch = -1;
  let bestScores: number[][] = [];
  const scoreEpoch = (epoch: number, loss: number): void => {
    attacker.eval();
    // Scored in float32 whatever the training ran in: bf16 logits tie, and ties move AP.
    const scores = videoLogits((x) => infer((v) => attacker.forward(v), x, false), test, c);
    const m = attributeMetrics(scores, testLabels);
    perEpoch.push({ cmap: m.cmap, f1: m.f1, loss });
    if (!best || m.cmap > best.cmap) {
      best = m;
      bestEpoch = epoch;
      bestScores = scores;
    }
  };
  // The 3D network fine-tunes at the action judge's rate, as it is the action judge's network.
  const o = {
    lr: c.actionLr,
    epochs: c.attackerEpochs,
    n: train.items.length,
    batch: c.clipsPerBatch,
    key: 'judge-video-attacker',
    seed,
    autocast: c.autocast,
  };
  fit(attacker, o, bce, () => tick('video attacker'), scoreEpoch);
  attacker.dispose();
  if (!best) throw new Error('judgeVideoAttacker: attackerEpochs must be at least 1');
  return { best, bestEpoch, bestScores, perEpoch };
}

/** Steps of judgeVideoAttacker, for progress bars. */
export const videoAttackerSteps = (c: ProtocolConfig, trainVideos: number): number =>
  c.attackerEpochs * Math.floor(trainVideos / c.clipsPerBatch);
