// Reading an AVI file's own header (RIFF 'hdrl': 'avih', the video 'strh' and 'strf') without
// starting ffprobe: the loader needs only frame count, size and rate, and UCF101, HMDB51 and
// SynthPAR are AVI files. Anything unexpected returns null and the caller asks ffprobe.
import { open } from 'node:fs/promises';

import { probeVideo, type VideoInfo } from './probe.js';

const FOURCC: Record<string, string> = {
  mjpg: 'mjpeg',
  xvid: 'mpeg4',
  divx: 'mpeg4',
  dx50: 'mpeg4',
  fmp4: 'mpeg4',
  ffv1: 'ffv1',
  h264: 'h264',
  avc1: 'h264',
};

export async function readAviInfo(file: string): Promise<VideoInfo | null> {
  let buf: Buffer;
  const fh = await open(file, 'r').catch(() => null);
  if (!fh) return null;
  try {
    // Headers come first and are small; ffmpeg pads them to a few kilobytes.
    buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    buf = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'AVI ')
    return null;
  let video: {
    scale: number;
    rate: number;
    length: number;
    width: number;
    height: number;
    codec: string;
  } | null = null;
  let audio = false;
  let pendingType = '';
  // Walks the chunks of a LIST, descending into 'hdrl' and 'strl' lists.
  const walk = (start: number, end: number): void => {
    let at = start;
    while (at + 8 <= end && at + 8 <= buf.length) {
      const id = buf.toString('latin1', at, at + 4);
      const size = buf.readUInt32LE(at + 4);
      const body = at + 8;
      if (id === 'LIST' && body + 4 <= buf.length) {
        const kind = buf.toString('latin1', body, body + 4);
        if (kind === 'hdrl' || kind === 'strl') walk(body + 4, Math.min(body + size, buf.length));
        if (kind === 'movi') return;
      } else if (id === 'strh' && body + 36 <= buf.length) {
        pendingType = buf.toString('latin1', body, body + 4);
        if (pendingType === 'auds') audio = true;
        if (pendingType === 'vids' && !video) {
          const codec = buf.toString('latin1', body + 4, body + 8).toLowerCase();
          video = {
            codec,
            scale: buf.readUInt32LE(body + 20),
            rate: buf.readUInt32LE(body + 24),
            length: buf.readUInt32LE(body + 32),
            width: 0,
            height: 0,
          };
        }
      } else if (
        id === 'strf' &&
        pendingType === 'vids' &&
        video &&
        video.width === 0 &&
        body + 12 <= buf.length
      ) {
        video.width = buf.readInt32LE(body + 4);
        video.height = Math.abs(buf.readInt32LE(body + 8));
      }
      at = body + size + (size & 1);
    }
  };
  walk(12, buf.length);
  const v = video as {
    scale: number;
    rate: number;
    length: number;
    width: number;
    height: number;
    codec: string;
  } | null;
  if (!v || v.length <= 0 || v.width <= 0 || v.height <= 0 || v.scale <= 0 || v.rate <= 0) return null;
  const fps = v.rate / v.scale;
  return {
    file,
    codec: FOURCC[v.codec] ?? v.codec.trim(),
    width: v.width,
    height: v.height,
    rotation: 0,
    displayWidth: v.width,
    displayHeight: v.height,
    frames: v.length,
    headerFrames: v.length,
    countedFrames: null,
    fps,
    rFrameRate: fps,
    avgFrameRate: fps,
    variableFrameRate: false,
    duration: v.length / fps,
    hasAudio: audio,
  };
}

/** A video's info from its AVI header when it has one (microseconds), else from ffprobe. */
export async function quickInfo(file: string): Promise<VideoInfo> {
  const avi = file.toLowerCase().endsWith('.avi') ? await readAviInfo(file) : null;
  return avi ?? probeVideo(file);
}
