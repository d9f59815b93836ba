// Shared by the deploy tests: tiny real videos made with ffmpeg (audio, odd sizes, variable frame
// rate, a rotation flag), freshly initialised anonymizers saved in the checkpoint format, and
// ffprobe's view of an output.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { createModel, saveCheckpoint } from '../../src/models/index.js';
import { manualSeed } from '../../src/torch/index.js';
import { ffmpeg } from '../data/helpers.js';

const exec = promisify(execFile);

export interface Fixture {
  name: string;
  args: string[];
}

const source = (w: number, h: number, rate: number, seconds: number, audio = true): string[] => [
  ...['-f', 'lavfi', '-i', `testsrc2=size=${w}x${h}:rate=${rate}:duration=${seconds}`],
  ...(audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=16000:duration=${seconds}`] : []),
];

/** HD's colour description, which the output must keep (and convert back with). */
const BT709 = [
  '-colorspace',
  'bt709',
  '-color_primaries',
  'bt709',
  '-color_trc',
  'bt709',
  '-color_range',
  'tv',
];

/** The test videos: each a container, codec and quirk a real input can have. */
export const VIDEOS: Fixture[] = [
  {
    name: 'cfr.mp4',
    args: [
      ...source(34, 26, 25, 0.64),
      '-c:v',
      'libx264',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'aac',
      ...['-metadata', 'title=veil', ...BT709],
    ],
  },
  {
    name: 'vfr.mp4',
    args: [
      ...source(34, 26, 25, 0.8),
      ...['-vf', "setpts='(N+if(gt(N,9),N-9,0))/25/TB'", '-fps_mode', 'passthrough'],
      ...['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac'],
    ],
  },
  {
    name: 'odd.mkv',
    args: [...source(33, 25, 15, 1), '-c:v', 'libx264', '-pix_fmt', 'yuv444p', '-c:a', 'flac'],
  },
  {
    name: 'odd.webm',
    args: [...source(35, 21, 20, 0.8), '-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-c:a', 'libopus'],
  },
  { name: 'pcm.avi', args: [...source(34, 26, 12, 1.5), '-c:v', 'mjpeg', '-c:a', 'pcm_s16le'] },
  {
    name: 'pcm.mov',
    args: [...source(34, 26, 30, 0.5), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'pcm_s16le'],
  },
  { name: 'silent.mp4', args: [...source(32, 24, 25, 0.6, false), '-c:v', 'libx264', '-pix_fmt', 'yuv420p'] },
];

export async function makeVideo(dir: string, f: Fixture): Promise<string> {
  const out = join(dir, f.name);
  await ffmpeg(...f.args, out);
  return out;
}

/** A copy of `file` whose video track says: turn 90 degrees when playing. */
export async function makeRotated(dir: string, file: string): Promise<string> {
  const out = join(dir, 'rotated.mp4');
  await ffmpeg('-i', file, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', out);
  return out;
}

/** A freshly initialised network of the zoo saved as a checkpoint (speed and format do not depend on training). */
export function makeCheckpoint(
  dir: string,
  model = 'unet-small',
  options: Record<string, unknown> = {},
  input?: { height: number; width: number },
): string {
  manualSeed(0);
  const net = createModel(model, options);
  const file = join(dir, `${model}.safetensors`);
  saveCheckpoint(file, net, { model, options, input });
  net.dispose();
  return file;
}

export interface Probed {
  video: {
    width: number;
    height: number;
    frames: number;
    avgRate: string;
    duration: number;
    rotation: number;
    codec: string;
    /** color_space/color_primaries/color_transfer/color_range, as ffprobe names them. */
    colour: string;
  };
  audio: { codec: string; duration: number }[];
  /** Video packet timestamps, sorted (presentation order). */
  pts: number[];
  tags: Record<string, string>;
}

interface ProbeJson {
  streams: {
    codec_type: string;
    codec_name: string;
    width?: number;
    height?: number;
    nb_read_frames?: string;
    avg_frame_rate?: string;
    duration?: string;
    side_data_list?: { rotation?: number }[];
    color_space?: string;
    color_primaries?: string;
    color_transfer?: string;
    color_range?: string;
  }[];
  packets: { pts_time?: string; stream_index: number }[];
  format: { duration?: string; tags?: Record<string, string> };
}

export async function probe(file: string): Promise<Probed> {
  const { stdout } = await exec('ffprobe', [
    ...['-v', 'error', '-count_frames', '-print_format', 'json', '-show_streams', '-show_format'],
    ...['-show_entries', 'packet=pts_time,stream_index', file],
  ]);
  const j = JSON.parse(stdout) as ProbeJson;
  const vi = j.streams.findIndex((s) => s.codec_type === 'video');
  const v = j.streams[vi];
  if (!v) throw new Error(`${file}: no video stream`);
  return {
    video: {
      width: v.width ?? 0,
      height: v.height ?? 0,
      frames: Number(v.nb_read_frames),
      avgRate: v.avg_frame_rate ?? '',
      duration: Number(v.duration ?? j.format.duration),
      rotation: v.side_data_list?.find((s) => s.rotation !== undefined)?.rotation ?? 0,
      codec: v.codec_name,
      colour: [v.color_space, v.color_primaries, v.color_transfer, v.color_range].join('/'),
    },
    audio: j.streams
      .filter((s) => s.codec_type === 'audio')
      .map((s) => ({ codec: s.codec_name, duration: Number(s.duration ?? j.format.duration) })),
    pts: j.packets
      .filter((p) => p.stream_index === vi && p.pts_time !== undefined)
      .map((p) => Number(p.pts_time))
      .sort((a, b) => a - b),
    tags: j.format.tags ?? {},
  };
}
