// Reads TensorBoard event files back: what the tests check veil's writer against, and how veil
// can show a finished (or running) run without TensorBoard. Both CRCs of every record are checked,
// so a damaged file is reported where it is damaged instead of yielding wrong curves.
import { readFileSync } from 'node:fs';

import { type Field, scanFields } from '../deploy/onnx/protobuf.js';
import { maskedCrc32c } from './crc32c.js';
import { EVENT, IMAGE, SUMMARY, VALUE } from './tensorboard.js';

export interface EventScalar {
  tag: string;
  value: number;
}

export interface EventImage {
  tag: string;
  height: number;
  width: number;
  colorspace: number;
  png: Uint8Array;
}

export interface TbEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  scalars: EventScalar[];
  images: EventImage[];
}

/** The data of each record, with its offset in the file, after checking both CRCs. */
export function readRecords(file: string): { offset: number; data: Uint8Array }[] {
  const buf = readFileSync(file);
  const out: { offset: number; data: Uint8Array }[] = [];
  let at = 0;
  while (at < buf.byteLength) {
    const where = `${file}: record at offset ${at}`;
    if (buf.byteLength - at < 12) {
      throw new Error(`${where}: truncated header (${buf.byteLength - at} of 12 bytes)`);
    }
    if (buf.readUInt32LE(at + 8) !== maskedCrc32c(buf.subarray(at, at + 8))) {
      throw new Error(`${where}: length CRC mismatch (corrupt file)`);
    }
    const length = buf.readBigUInt64LE(at);
    const end = BigInt(at) + 12n + length + 4n;
    if (end > BigInt(buf.byteLength)) {
      throw new Error(
        `${where}: truncated, ${length} bytes of data announced, file ends ${buf.byteLength - at - 12} bytes later`,
      );
    }
    const data = buf.subarray(at + 12, Number(end) - 4);
    if (buf.readUInt32LE(Number(end) - 4) !== maskedCrc32c(data)) {
      throw new Error(`${where}: data CRC mismatch (corrupt file)`);
    }
    out.push({ offset: at, data });
    at = Number(end);
  }
  return out;
}

const text = (f: Field): string => Buffer.from(bytes(f)).toString('utf8');

function bytes(f: Field): Uint8Array {
  if (!(f.value instanceof Uint8Array) || f.wire !== 2) throw new Error(`field ${f.field}: expected bytes`);
  return f.value;
}

function varint(f: Field): bigint {
  if (typeof f.value !== 'bigint') throw new Error(`field ${f.field}: expected a varint`);
  return f.value;
}

// scanFields hands fixed-width fields over as they lie; a short one means the message was cut.
function fixed(f: Field, size: 4 | 8): DataView {
  const wire = size === 4 ? 5 : 1;
  if (f.wire !== wire || !(f.value instanceof Uint8Array) || f.value.byteLength !== size) {
    throw new Error(`field ${f.field}: expected ${size} bytes`);
  }
  return new DataView(f.value.buffer, f.value.byteOffset, size);
}

function decodeImage(buf: Uint8Array, tag: string): EventImage {
  const image: EventImage = { tag, height: 0, width: 0, colorspace: 0, png: new Uint8Array() };
  for (const f of scanFields(buf)) {
    if (f.field === IMAGE.height) image.height = Number(BigInt.asIntN(32, varint(f)));
    else if (f.field === IMAGE.width) image.width = Number(BigInt.asIntN(32, varint(f)));
    else if (f.field === IMAGE.colorspace) image.colorspace = Number(BigInt.asIntN(32, varint(f)));
    else if (f.field === IMAGE.encoded) image.png = bytes(f);
  }
  return image;
}

function decodeSummary(buf: Uint8Array, event: TbEvent): void {
  for (const v of scanFields(buf)) {
    if (v.field !== SUMMARY.value) continue;
    const fields = scanFields(bytes(v));
    const tagField = fields.find((f) => f.field === VALUE.tag);
    const tag = tagField ? text(tagField) : '';
    for (const f of fields) {
      if (f.field === VALUE.simpleValue) event.scalars.push({ tag, value: fixed(f, 4).getFloat32(0, true) });
      else if (f.field === VALUE.image) event.images.push(decodeImage(bytes(f), tag));
    }
  }
}

/** One event, skipping what veil does not write (graphs, histograms, tensors, session logs). */
export function decodeEvent(data: Uint8Array): TbEvent {
  const event: TbEvent = { wallTime: 0, step: 0, scalars: [], images: [] };
  for (const f of scanFields(data)) {
    if (f.field === EVENT.wallTime) event.wallTime = fixed(f, 8).getFloat64(0, true);
    else if (f.field === EVENT.step) event.step = Number(BigInt.asIntN(64, varint(f)));
    else if (f.field === EVENT.fileVersion) event.fileVersion = text(f);
    else if (f.field === EVENT.summary) decodeSummary(bytes(f), event);
  }
  return event;
}

export function readEvents(file: string): TbEvent[] {
  return readRecords(file).map(({ offset, data }) => {
    try {
      return decodeEvent(data);
    } catch (e) {
      throw new Error(`${file}: record at offset ${offset}: bad Event protobuf: ${(e as Error).message}`);
    }
  });
}
