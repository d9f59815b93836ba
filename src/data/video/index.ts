// Video I/O through Debian's ffmpeg and ffprobe.
export * from './probe.js';
export * from './decode.js';
export * from './encode.js';
export * from './batch.js';
export * from './avi.js';
