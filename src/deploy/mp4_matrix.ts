// The rotation flag of an MP4/MOV file is the display matrix in its video track's `tkhd` box.
// ffmpeg 5.1 drops a requested rotation when it encodes (it honours it only when copying), so
// the output's matrix is copied from the source's, byte for byte, after encoding: the same
// flag, whatever convention wrote it.
import { open, type FileHandle } from 'node:fs/promises';

interface Box {
  type: string;
  /** Absolute offset of the box and of its payload, and its end. */
  start: number;
  body: number;
  end: number;
}

async function readBoxHeader(fh: FileHandle, at: number, limit: number): Promise<Box | null> {
  if (at + 8 > limit) return null;
  const h = Buffer.alloc(16);
  await fh.read(h, 0, 16, at);
  let size = h.readUInt32BE(0);
  const type = h.toString('latin1', 4, 8);
  let body = at + 8;
  if (size === 1) {
    size = Number(h.readBigUInt64BE(8));
    body = at + 16;
  } else if (size === 0) {
    size = limit - at;
  }
  if (size < body - at || at + size > limit) return null;
  return { type, start: at, body, end: at + size };
}

async function children(fh: FileHandle, from: number, to: number): Promise<Box[]> {
  const out: Box[] = [];
  for (let at = from; ;) {
    const b = await readBoxHeader(fh, at, to);
    if (!b) return out;
    out.push(b);
    at = b.end;
  }
}

/** The absolute offset of the video track's 36-byte display matrix, or null. */
async function matrixOffset(fh: FileHandle): Promise<number | null> {
  const { size } = await fh.stat();
  const moov = (await children(fh, 0, size)).find((b) => b.type === 'moov');
  if (!moov) return null;
  for (const trak of (await children(fh, moov.body, moov.end)).filter((b) => b.type === 'trak')) {
    const parts = await children(fh, trak.body, trak.end);
    const tkhd = parts.find((b) => b.type === 'tkhd');
    const mdia = parts.find((b) => b.type === 'mdia');
    if (!tkhd || !mdia) continue;
    const hdlr = (await children(fh, mdia.body, mdia.end)).find((b) => b.type === 'hdlr');
    if (!hdlr) continue;
    const handler = Buffer.alloc(4);
    await fh.read(handler, 0, 4, hdlr.body + 8);
    if (handler.toString('latin1') !== 'vide') continue;
    const version = Buffer.alloc(1);
    await fh.read(version, 0, 1, tkhd.body);
    // version+flags, the times, ids and duration, then reserved, layer, group, volume, reserved
    const at = tkhd.body + 4 + (version[0] === 1 ? 32 : 20) + 16;
    return at + 36 <= tkhd.end ? at : null;
  }
  return null;
}

/** Copies the video display matrix of `source` into `target` (both MP4/MOV); false if either has none. */
export async function copyDisplayMatrix(source: string, target: string): Promise<boolean> {
  const src = await open(source, 'r');
  let matrix: Buffer;
  try {
    const at = await matrixOffset(src);
    if (at === null) return false;
    matrix = Buffer.alloc(36);
    await src.read(matrix, 0, 36, at);
  } finally {
    await src.close();
  }
  const dst = await open(target, 'r+');
  try {
    const at = await matrixOffset(dst);
    if (at === null) return false;
    await dst.write(matrix, 0, 36, at);
    return true;
  } finally {
    await dst.close();
  }
}
