// Still images through sharp (libvips): decoded to 8-bit RGB, turned upright by their EXIF
// orientation; written as PNG or JPEG through a temporary name, like the videos.
import { randomBytes } from 'node:crypto';
import { access, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

import sharp from 'sharp';

import { DataError } from './errors.js';
import type { Frame } from './video/decode.js';

export interface ReadImageOptions {
  /** Scale so that the shorter side has this many pixels (keeping the aspect ratio). */
  shortSide?: number;
  /** Scale to exactly this size. */
  size?: { width: number; height: number };
  /** Reject files that decode only with warnings, such as truncated JPEGs (for dataset checks). */
  strict?: boolean;
}

export async function readImage(file: string, o: ReadImageOptions = {}): Promise<Frame> {
  await access(file).catch((e: unknown) => {
    throw new DataError(file, 'image not found', { cause: e });
  });
  try {
    let img = sharp(file, { failOn: o.strict ? 'warning' : 'error' })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb');
    if (o.size) {
      img = img.resize(o.size.width, o.size.height, { fit: 'fill' });
    } else if (o.shortSide) {
      const m = await sharp(file).metadata();
      const turned = (m.orientation ?? 1) >= 5;
      const w = (turned ? m.height : m.width) ?? o.shortSide;
      const h = (turned ? m.width : m.height) ?? o.shortSide;
      const k = o.shortSide / Math.min(w, h);
      img = img.resize(Math.max(1, Math.round(w * k)), Math.max(1, Math.round(h * k)), { fit: 'fill' });
    }
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels`);
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (e) {
    throw new DataError(file, `cannot read image: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

export interface WriteImageOptions {
  /** JPEG quality 1..100 (default 90). */
  quality?: number;
  /** JPEG chroma subsampling (default '4:2:0'): '4:4:4' keeps colour details of one or two pixels. */
  chroma?: '4:2:0' | '4:4:4';
}

/** Writes an RGB frame as .png or .jpg/.jpeg, chosen by the extension. */
export async function writeImage(file: string, frame: Frame, o: WriteImageOptions = {}): Promise<void> {
  const ext = extname(file).toLowerCase();
  if (frame.data.length !== frame.width * frame.height * 3) {
    throw new DataError(file, `frame holds ${frame.data.length} bytes, not ${frame.width}x${frame.height}x3`);
  }
  const raw = sharp(frame.data, {
    raw: { width: frame.width, height: frame.height, channels: 3 },
  });
  let img: sharp.Sharp;
  if (ext === '.png') img = raw.png();
  else if (ext === '.jpg' || ext === '.jpeg')
    img = raw.jpeg({ quality: o.quality ?? 90, chromaSubsampling: o.chroma ?? '4:2:0' });
  else throw new DataError(file, `cannot write '${ext}' images (use .png or .jpg)`);
  await mkdir(dirname(file), { recursive: true });
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await img.toFile(temp);
    await rename(temp, file);
  } catch (e) {
    await rm(temp, { force: true });
    throw new DataError(file, `cannot write image: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Width, height and format without decoding the pixels (for dataset checks). */
export async function imageInfo(file: string): Promise<{ width: number; height: number; format: string }> {
  try {
    const m = await sharp(file).metadata();
    if (!m.width || !m.height) throw new Error('no size in header');
    return { width: m.width, height: m.height, format: m.format ?? 'unknown' };
  } catch (e) {
    throw new DataError(file, `cannot read image: ${(e as Error).message}`, {
      cause: e,
    });
  }
}
