// The video-level attacker of the VP-UCF101 / VP-HMDB51 protocol (STPrivacy's): privacy labels
// belong to whole videos, and the attacker looks at whole clips, so motion (gait, gestures) can
// betray what a single frame hides. A fresh network of the action judge's architecture (a 3D CNN)
// with a multi-label head, trained with BCE on anonymized training clips; on each anonymized
// test video, its logits averaged over the 5 test clips; cMAP and F1 over videos, at the best
// epoch (the worst case for privacy), as the image attacker is scored. (Aslam et al.'s released
// video-level attacker is a 2D ResNet-50 whose frame logits are averaged over the clip; a 3D
// network sees motion too, the stronger attacker.)
import {
  batchOrder,
  BatchStream,
  type ClipShape,
  type Part,
  tensorOf,
  type VideoSet,
} from '../data/loader/index.js';
import { createModel, loadBackbone } from '../models/index.js';
import * as T from '../torch/index.js';
import {
  type AttackerData,
  fitAttacker,
  type PrivacyJudgement,
  type ProtocolConfig,
  type Tick,
} from './protocol.js';

/** Each video's attribute labels, looked up by its id. */
export interface VideoAttributes {
  attributes: string[];
  of: (videoId: string) => Uint8Array;
}

/** Per video, its logits averaged over its test clips. */
async function videoLogits(
  predict: (clips: T.Tensor) => number[][],
  set: VideoSet,
  c: { clip: ClipShape; testClips: number; device: T.Device },
  videosPerBatch = 8,
): Promise<number[][]> {
  const out: number[][] = [];
  const batches = batchOrder(set.items.length, videosPerBatch, null, false);
  const clips = (j: number): Part[] => [
    { kind: 'test-clips', set, idx: batches[j] as number[], shape: c.clip, clips: c.testClips },
  ];
  const stream = new BatchStream(batches.length, clips, null, c.device);
  for (const idx of batches) {
    const b = await stream.nextBatch();
    const logits = T.tidy(() => predict(tensorOf(b, 0)));
    T.dispose(b);
    for (let v = 0; v < idx.length; v++) {
      const clips = logits.slice(v * c.testClips, (v + 1) * c.testClips);
      out.push(
        (clips[0] as number[]).map((_, a) => clips.reduce((s, r) => s + (r[a] as number), 0) / clips.length),
      );
    }
  }
  return out;
}

export async function judgeVideoAttacker(
  train: VideoSet,
  test: VideoSet,
  labels: VideoAttributes,
  c: ProtocolConfig,
  seed: number,
  tick: Tick = () => {},
): Promise<PrivacyJudgement> {
  T.manualSeed(seed);
  const a = labels.attributes.length;
  const attacker = createModel(c.actionModel, { ...c.actionOptions, classes: a });
  if (c.actionInit) loadBackbone(attacker, c.actionInit);
  attacker.to(c.device);
  const trainLabels = train.items.map((v) => labels.of(v.id));
  const clips = (idx: number[]): Part[] => [
    {
      kind: 'train-clips',
      set: train,
      idx,
      shape: c.clip,
      augment: c.clipAugment,
      targets: (i) => trainLabels[i] as Uint8Array,
    },
  ];
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
  const on: AttackerData = {
    parts: clips,
    targets: 2,
    score: (predict) => videoLogits(predict, test, c),
    labels: test.items.map((v) => labels.of(v.id)),
  };
  return fitAttacker(attacker, o, on, () => tick('video attacker'));
}

/** Steps of judgeVideoAttacker, for progress bars. */
export const videoAttackerSteps = (c: ProtocolConfig, trainVideos: number): number =>
  c.attackerEpochs * Math.floor(trainVideos / c.clipsPerBatch);
