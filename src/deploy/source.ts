// What the output must reproduce of an input video beyond its frames: the header's frame
// count (to catch truncation), rotation, colour description, audio codecs (copied when the
// container allows) and the file's start time (so copied audio stays in sync with the video).
import { DataError } from '../data/errors.js';
import { runTool } from '../data/process.js';
import { probeVideo, type VideoInfo } from '../data/video/index.js';

/** ffprobe's colour description of the video stream; absent fields are unknown. */
export interface Colour {
  space?: string;
  primaries?: string;
  transfer?: string;
  range?: string;
}

export interface SourceInfo extends VideoInfo {
  audioCodecs: string[];
  colour: Colour;
  /** The container's start time in seconds (ffmpeg shifts every stream by it on decode). */
  startTime: number;
}

interface StreamsOutput {
  streams?: {
    codec_type?: string;
    codec_name?: string;
    color_space?: string;
    color_primaries?: string;
    color_transfer?: string;
    color_range?: string;
    disposition?: { attached_pic?: number };
  }[];
  format?: { start_time?: string };
}

export async function probeSource(file: string): Promise<SourceInfo> {
  const video = await probeVideo(file);
  const args = [
    '-v',
    'error',
    '-print_format',
    'json',
    '-show_entries',
    'stream=codec_type,codec_name,color_space,color_primaries,color_transfer,color_range:stream_disposition=attached_pic:format=start_time',
  ];
  const { stdout } = await runTool('ffprobe', [...args, file], file);
  let out: StreamsOutput;
  try {
    out = JSON.parse(stdout.toString()) as StreamsOutput;
  } catch (e) {
    throw new DataError(file, 'ffprobe printed no readable metadata', { cause: e });
  }
  const audioCodecs = (out.streams ?? [])
    .filter((s) => s.codec_type === 'audio')
    .map((s) => s.codec_name ?? 'unknown');
  const v = (out.streams ?? []).find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  const known = (x: string | undefined): string | undefined => (x && x !== 'unknown' ? x : undefined);
  const colour: Colour = {
    space: known(v?.color_space),
    primaries: known(v?.color_primaries),
    transfer: known(v?.color_transfer),
    range: known(v?.color_range),
  };
  const start = Number(out.format?.start_time);
  return { ...video, audioCodecs, colour, startTime: Number.isFinite(start) ? start : 0 };
}
