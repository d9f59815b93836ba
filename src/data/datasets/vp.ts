// VP-UCF101 and VP-HMDB51 (STPrivacy, Li et al., ICCV 2023): five binary privacy attributes per
// video, for every video of UCF101 and of HMDB51, so an attacker judges whole clips (the paper's
// third protocol). The videos and their train/test split are the action dataset's own.
//
// Where the format comes from (public code): STPrivacy's repository
// (github.com/ming1993li/stprivacy) ships the labels as Python pickles; the format veil reads is
// the CSV that the paper's authors load, in Aslam et al.'s released code
// (github.com/Rabusi/From-Pixels-to-Privacy-Temporally-Consistent-Video-Anonymization-via-Token-Pruning-for-Privacy-Pres,
// aux_code/config.py and aux_code/ucf101_dl.py): `ucfTrainTestlist/VPUCF_annotations/
// vp_ucf101_privacy_attribute_label.csv` and `hmdbTrainTestlist/VPHMDB_annotations/
// vp_hmdb51_privacy_attribute_label.csv`, read with pandas: a column `File Path` (`Class/video.mp4`,
// the loader swaps .mp4 for the .avi on disk) and a column `Array Values`, a Python list literal of
// the five 0/1 labels (that repository's annotations/*.pickle hold them as 1x5 arrays, keyed by
// the same paths, so a CSV written from them reads `[[1, 0, 1, 0, 0]]`; both nestings are taken).
// The attribute order, face, skin colour, gender, nudity, relationship (1: identifiable), is the
// one public loaders of those pickles use. Other columns (pandas' index) are ignored.
import { extname } from 'node:path';

import { DataError, lineError } from '../errors.js';
import { Problems, type ProblemSink, readLines } from './files.js';
import { parseCsvLine } from './manifest.js';
import type { VideoDataset, VideoSample } from './types.js';

export const VP_ATTRIBUTES = ['face', 'skin_color', 'gender', 'nudity', 'relationship'] as const;

export interface VpLabels {
  file: string;
  attributes: string[];
  /** 0/1 per attribute, keyed by vpKey of the video's path. */
  byVideo: Map<string, Uint8Array>;
}

export interface VpSample extends VideoSample {
  labels: Uint8Array;
}

/** `Class/video` in lower case, without extension: the CSV's .mp4 names match the .avi files. */
export function vpKey(id: string): string {
  const p = id.replaceAll('\\', '/').replace(/^\.\//, '');
  return p.slice(0, p.length - extname(p).length).toLowerCase();
}

/** The five labels of `[a, b, c, d, e]` or `[[a, b, c, d, e]]` (commas or spaces); null if malformed. */
function parseLabels(v: string): Uint8Array | null {
  const m = /^\[\s*(\[)?([^[\]]*)(\])?\s*\]$/.exec(v.trim());
  if (!m || Boolean(m[1]) !== Boolean(m[3])) return null;
  const cells = (m[2] as string).split(/[\s,]+/).filter((c) => c.length > 0);
  if (cells.length !== VP_ATTRIBUTES.length || !cells.every((c) => c === '0' || c === '1')) return null;
  return Uint8Array.from(cells, Number);
}

export async function readVpLabels(file: string, o: { onProblem?: ProblemSink } = {}): Promise<VpLabels> {
  const lines = await readLines(file, 'VP privacy attribute CSV');
  const head = lines[0] ? parseCsvLine(lines[0].text) : null;
  const col = (name: string): number => (head ?? []).findIndex((h) => h.toLowerCase() === name);
  const [pathCol, valuesCol] = [col('file path'), col('array values')];
  if (!head || pathCol < 0 || valuesCol < 0)
    throw new DataError(file, "first line must be a header with 'File Path' and 'Array Values' columns");
  const problems = new Problems(o.onProblem);
  const byVideo = new Map<string, Uint8Array>();
  for (const l of lines.slice(1)) {
    const cells = parseCsvLine(l.text);
    if (!cells || cells.length !== head.length) {
      problems.add(
        lineError(
          file,
          l.n,
          `expected ${head.length} fields like the header, got ${cells?.length ?? 'unbalanced quotes'}`,
        ),
      );
      continue;
    }
    const path = cells[pathCol] as string;
    const labels = parseLabels(cells[valuesCol] as string);
    if (!path.includes('/') && !path.includes('\\'))
      problems.add(lineError(file, l.n, `'File Path' must be Class/video, got '${path}'`));
    else if (!labels)
      problems.add(
        lineError(
          file,
          l.n,
          `'Array Values' must list ${VP_ATTRIBUTES.length} labels of 0 or 1 like [1, 0, 1, 0, 0], got '${cells[valuesCol]}'`,
        ),
      );
    else if (byVideo.has(vpKey(path))) problems.add(lineError(file, l.n, `'${path}' is listed twice`));
    else byVideo.set(vpKey(path), labels);
  }
  problems.throwIfAny(file, 'VP privacy attributes');
  if (byVideo.size === 0) throw new DataError(file, 'lists no videos');
  return { file, attributes: [...VP_ATTRIBUTES], byVideo };
}

/** The action dataset's videos with their VP labels; a video the CSV does not list is an error naming both. */
export function withVpLabels(ds: VideoDataset, vp: VpLabels): VideoDataset<VpSample> {
  const problems = new Problems();
  const samples: VpSample[] = [];
  for (const s of ds.samples) {
    const labels = vp.byVideo.get(vpKey(s.id));
    if (labels) samples.push({ ...s, labels });
    else problems.add(new DataError(vp.file, `no privacy labels for ${ds.name} video '${s.id}'`));
  }
  problems.throwIfAny(vp.file, `VP labels of ${ds.root}`);
  return { ...ds, samples };
}
