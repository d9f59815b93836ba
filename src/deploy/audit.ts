// The audit of an anonymized output (`veil anonymize --audit`): an independent detector
// (detector.ts) looks for faces and people in the original and in the anonymized frames, on
// frames sampled evenly through each video (an image is one frame), so whoever must share the
// footage sees whether a face is still findable after f_A, per file and per sampled frame.
import { readImage } from '../data/image.js';
import { decodeFrames, type Frame } from '../data/video/index.js';
import type { Detections, Detector } from './detector.js';

export interface FrameAudit {
  /** The frame's index in the video (0 for an image). */
  frame: number;
  original: Detections;
  anonymized: Detections;
}

export interface Tally {
  faces: number;
  persons: number;
  /** Sampled frames with at least one face (person). */
  framesWithFaces: number;
  framesWithPersons: number;
}

export interface FileAudit {
  input: string;
  output: string;
  sampled: number;
  original: Tally;
  anonymized: Tally;
  /** No face found in any sampled anonymized frame. */
  facesHidden: boolean;
  verdict: string;
  frames: FrameAudit[];
}

/** n frame indices spread evenly over `count` frames (each the middle of its stretch), distinct. */
export function sampleFrames(count: number, n: number): number[] {
  if (count < 1) return [];
  const k = Math.min(n, count);
  return [...new Set(Array.from({ length: k }, (_, i) => Math.floor(((i + 0.5) * count) / k)))];
}

function tally(dets: readonly Detections[]): Tally {
  return {
    faces: dets.reduce((s, d) => s + d.faces.length, 0),
    persons: dets.reduce((s, d) => s + d.persons.length, 0),
    framesWithFaces: dets.filter((d) => d.faces.length > 0).length,
    framesWithPersons: dets.filter((d) => d.persons.length > 0).length,
  };
}

export async function auditFrames(
  detector: Detector,
  pairs: readonly { frame: number; original: Frame; anonymized: Frame }[],
): Promise<FrameAudit[]> {
  const out: FrameAudit[] = [];
  for (const p of pairs)
    out.push({
      frame: p.frame,
      original: await detector.detect(p.original),
      anonymized: await detector.detect(p.anonymized),
    });
  return out;
}

export function summarize(input: string, output: string, frames: FrameAudit[]): FileAudit {
  const original = tally(frames.map((f) => f.original));
  const anonymized = tally(frames.map((f) => f.anonymized));
  const n = frames.length;
  const verdict =
    anonymized.framesWithFaces === 0
      ? `no face found in the ${n} sampled anonymized frame(s) (the original: faces in ${original.framesWithFaces} of ${n})`
      : `a face is still found in ${anonymized.framesWithFaces} of ${n} sampled anonymized frame(s) (the original: ${original.framesWithFaces} of ${n})`;
  return {
    input,
    output,
    sampled: n,
    original,
    anonymized,
    facesHidden: anonymized.framesWithFaces === 0,
    verdict,
    frames,
  };
}

/** One anonymized file against its input: `frames` is the output's frame count (videos). */
export async function auditFile(
  detector: Detector,
  f: { input: string; output: string; kind: 'video' | 'image'; frames?: number },
  samples: number,
): Promise<FileAudit> {
  if (f.kind === 'image') {
    const [original, anonymized] = [await readImage(f.input), await readImage(f.output)];
    return summarize(f.input, f.output, await auditFrames(detector, [{ frame: 0, original, anonymized }]));
  }
  const idx = sampleFrames(f.frames ?? 0, samples);
  if (idx.length === 0) return summarize(f.input, f.output, []);
  const [a, b] = [await decodeFrames(f.input, idx), await decodeFrames(f.output, idx)];
  const frame = (x: typeof a, i: number): Frame => ({
    data: x.frames[i] as Uint8Array,
    width: x.width,
    height: x.height,
  });
  return summarize(
    f.input,
    f.output,
    await auditFrames(
      detector,
      idx.map((k, i) => ({ frame: k, original: frame(a, i), anonymized: frame(b, i) })),
    ),
  );
}
