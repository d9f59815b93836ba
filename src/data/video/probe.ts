// Video metadata through ffprobe: frame count, frame rates (variable ones too), duration, size,
// rotation and audio. The header's frame count is cheap but can lie (truncated files keep it);
// `count: true` counts the packets actually in the file, which is what `veil data check` uses.
import { access } from 'node:fs/promises';

import { DataError } from '../errors.js';
import { runTool } from '../process.js';

export interface VideoInfo {
  file: string;
  codec: string;
  /** Coded size, before rotation. */
  width: number;
  height: number;
  /** Degrees clockwise the player turns the picture (0, 90, 180, 270); the decoder applies it. */
  rotation: number;
  /** Size of the decoded frames: the coded size turned by the rotation. */
  displayWidth: number;
  displayHeight: number;
  /** Frames: the header's count, or the counted packets when the header has none or `count` was asked. */
  frames: number;
  /** The header's frame count, when the container has one. */
  headerFrames: number | null;
  /** Packets of the video stream actually present (only with `count`). */
  countedFrames: number | null;
  /** Average frames per second (frames / duration when the container's average is missing). */
  fps: number;
  /** The stream's base rate (r_frame_rate) and average rate (avg_frame_rate), as ffprobe reports them. */
  rFrameRate: number;
  avgFrameRate: number;
  /** True when the base and average rates disagree: timestamps are irregular. */
  variableFrameRate: boolean;
  duration: number;
  hasAudio: boolean;
}

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  r_frame_rate?: string;
  avg_frame_rate?: string;
  nb_frames?: string;
  nb_read_packets?: string;
  duration?: string;
  tags?: Record<string, string>;
  side_data_list?: { rotation?: number }[];
}

interface ProbeOutput {
  streams?: ProbeStream[];
  format?: { duration?: string };
}

/** "30000/1001" -> 29.97; "0/0" and junk -> 0. */
export function parseRate(r: string | undefined): number {
  if (!r) return 0;
  const [n, d] = r.split('/').map(Number);
  if (n === undefined || !Number.isFinite(n)) return 0;
  if (d === undefined) return n;
  return d > 0 && Number.isFinite(d) ? n / d : 0;
}

function positiveInt(s: string | undefined): number | null {
  const v = Number(s);
  return Number.isInteger(v) && v > 0 ? v : null;
}

function rotationOf(s: ProbeStream): number {
  const side = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  // The display matrix gives counter-clockwise degrees; the legacy `rotate` tag clockwise ones.
  const deg = side !== undefined ? -side : Number(s.tags?.rotate ?? 0);
  return (((Math.round(deg / 90) * 90) % 360) + 360) % 360;
}

export async function probeVideo(file: string, opts: { count?: boolean } = {}): Promise<VideoInfo> {
  await access(file).catch((e: unknown) => {
    throw new DataError(file, 'video not found', { cause: e });
  });
  const args = ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format'];
  if (opts.count) args.push('-count_packets');
  const { stdout } = await runTool('ffprobe', [...args, file], file);
  let out: ProbeOutput;
  try {
    out = JSON.parse(stdout.toString()) as ProbeOutput;
  } catch (e) {
    throw new DataError(file, 'ffprobe printed no readable metadata', {
      cause: e,
    });
  }
  const streams = out.streams ?? [];
  const v = streams.find((s) => s.codec_type === 'video');
  if (!v || !v.width || !v.height) throw new DataError(file, 'no video stream (unreadable or not a video)');
  let counted = opts.count ? (positiveInt(v.nb_read_packets) ?? 0) : null;
  const header = positiveInt(v.nb_frames);
  if (header === null && counted === null) {
    // Containers such as Matroska keep no frame count: count packets, which needs no decoding.
    return probeVideo(file, { count: true });
  }
  const frames = counted ?? (header as number);
  const duration = Number(v.duration ?? out.format?.duration ?? NaN);
  const rFrameRate = parseRate(v.r_frame_rate);
  const avgFrameRate = parseRate(v.avg_frame_rate);
  const measured = Number.isFinite(duration) && duration > 0 ? frames / duration : 0;
  const fps = avgFrameRate || measured || rFrameRate;
  const rotation = rotationOf(v);
  const turned = rotation === 90 || rotation === 270;
  counted = opts.count ? counted : null;
  return {
    file,
    codec: v.codec_name ?? 'unknown',
    width: v.width,
    height: v.height,
    rotation,
    displayWidth: turned ? v.height : v.width,
    displayHeight: turned ? v.width : v.height,
    frames,
    headerFrames: header,
    countedFrames: counted,
    fps,
    rFrameRate,
    avgFrameRate,
    variableFrameRate:
      rFrameRate > 0 && avgFrameRate > 0 && Math.abs(rFrameRate - avgFrameRate) > 0.01 * rFrameRate,
    duration: Number.isFinite(duration) ? duration : frames / (fps || 1),
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
  };
}
