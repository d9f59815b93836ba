// Output containers and video codecs: which codec each container defaults to and can hold,
// which audio codecs it takes as they are (others are re-encoded), and the ffmpeg arguments of
// each codec. Odd frame sizes stay exact: H.264/H.265 then use 4:4:4 chroma instead of padding.

export type Codec = 'h264' | 'h265' | 'vp9' | 'mjpeg' | 'ffv1' | 'mpeg4' | 'rawvideo';

export const CODECS: readonly Codec[] = ['h264', 'h265', 'vp9', 'mjpeg', 'ffv1', 'mpeg4', 'rawvideo'];

interface Container {
  /** ffmpeg's muxer name. */
  format: string;
  codecs: readonly Codec[];
  /** Audio codecs copied as they are; null: any. */
  audioCopy: readonly string[] | null;
  /** The encoder for audio it cannot copy. */
  audioEncoder: string;
  /** Whether a rotation flag can be written (as the mov/mp4 display matrix). */
  rotation: boolean;
}

const PCM = ['pcm_s16le', 'pcm_s24le', 'pcm_s32le', 'pcm_f32le', 'pcm_u8', 'pcm_s16be', 'pcm_s24be'];

export const CONTAINERS: Record<string, Container> = {
  '.mp4': {
    format: 'mp4',
    codecs: ['h264', 'h265', 'mpeg4', 'vp9', 'mjpeg'],
    audioCopy: ['aac', 'mp3', 'ac3', 'eac3', 'alac', 'opus', 'flac'],
    audioEncoder: 'aac',
    rotation: true,
  },
  '.mov': {
    format: 'mov',
    codecs: ['h264', 'h265', 'mpeg4', 'mjpeg', 'ffv1'],
    audioCopy: ['aac', 'mp3', 'ac3', 'eac3', 'alac', ...PCM],
    audioEncoder: 'aac',
    rotation: true,
  },
  '.mkv': {
    format: 'matroska',
    codecs: ['h264', 'h265', 'vp9', 'mjpeg', 'ffv1', 'mpeg4'],
    audioCopy: null,
    audioEncoder: 'libopus',
    rotation: false,
  },
  '.webm': {
    format: 'webm',
    codecs: ['vp9'],
    audioCopy: ['opus', 'vorbis'],
    audioEncoder: 'libopus',
    rotation: false,
  },
  '.avi': {
    format: 'avi',
    codecs: ['mjpeg', 'h264', 'mpeg4', 'ffv1'],
    audioCopy: ['mp3', 'ac3', 'pcm_s16le', 'pcm_u8'],
    audioEncoder: 'libmp3lame',
    rotation: false,
  },
};

/** Containers written to stdout, by --format. */
export const STREAM_FORMATS: Record<string, Container> = {
  matroska: { ...(CONTAINERS['.mkv'] as Container) },
  nut: { format: 'nut', codecs: [...CODECS], audioCopy: null, audioEncoder: 'libopus', rotation: false },
  rawvideo: { format: 'rawvideo', codecs: ['rawvideo'], audioCopy: [], audioEncoder: '', rotation: false },
};

export const VIDEO_EXTENSIONS = Object.keys(CONTAINERS);
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];

export function containerFor(ext: string, file: string): Container {
  const c = CONTAINERS[ext.toLowerCase()];
  if (!c) throw new Error(`${file}: cannot write '${ext}' videos (use ${VIDEO_EXTENSIONS.join(', ')})`);
  return c;
}

export interface CodecSettings {
  /** Constant rate factor (h264/h265/vp9) or quantiser (mjpeg/mpeg4); default per codec. */
  crf?: number;
}

/** The encoder arguments of a codec for frames of the given size. */
export function codecArgs(codec: Codec, width: number, height: number, s: CodecSettings): string[] {
  const even = width % 2 === 0 && height % 2 === 0;
  switch (codec) {
    case 'h264':
      return [
        ...['-c:v', 'libx264', '-preset', 'veryfast', '-crf', String(s.crf ?? 18)],
        ...['-pix_fmt', even ? 'yuv420p' : 'yuv444p'],
      ];
    case 'h265':
      return [
        ...[
          '-c:v',
          'libx265',
          '-preset',
          'veryfast',
          '-crf',
          String(s.crf ?? 22),
          '-x265-params',
          'log-level=error',
        ],
        ...['-pix_fmt', even ? 'yuv420p' : 'yuv444p'],
      ];
    case 'vp9':
      return [
        ...['-c:v', 'libvpx-vp9', '-crf', String(s.crf ?? 32), '-b:v', '0', '-deadline', 'realtime'],
        ...['-cpu-used', '8', '-pix_fmt', 'yuv420p'],
      ];
    case 'mjpeg':
      return ['-c:v', 'mjpeg', '-q:v', String(s.crf ?? 3), '-pix_fmt', 'yuvj444p'];
    case 'mpeg4':
      return ['-c:v', 'mpeg4', '-q:v', String(s.crf ?? 3), '-pix_fmt', 'yuv420p'];
    case 'ffv1':
      return ['-c:v', 'ffv1', '-pix_fmt', 'bgr0'];
    case 'rawvideo':
      return ['-c:v', 'rawvideo', '-pix_fmt', 'rgb24'];
  }
}
