// What the output must reproduce of an input video beyond its frames: the header's frame
// count (to catch truncation), rotation, audio codecs (copied when the container allows) and
// the file's start time (so copied audio stays in sync with the re-timed video).
import { DataError } from '../data/errors.js';
import { runTool } from '../data/process.js';
import { probeVideo, type VideoInfo } from '../data/video/index.js';

export interface SourceInfo extends VideoInfo {
  audioCodecs: string[];
  /** The container's start time in seconds (ffmpeg shifts every stream by it on decode). */
  startTime: number;
}

interface StreamsOutput {
  streams?: { codec_type?: string; codec_name?: string }[];
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
    'stream=codec_type,codec_name:format=start_time',
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
  const start = Number(out.format?.start_time);
  return { ...video, audioCodecs, startTime: Number.isFinite(start) ? start : 0 };
}
