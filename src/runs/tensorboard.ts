// TensorBoard event files, written the way TensorFlow's own writer lays them out, so TensorBoard
// and the tools that import its directories read veil's runs without any plugin. A file is a
// sequence of records, each
//   uint64 length | masked CRC32C of those 8 bytes | data | masked CRC32C of the data
// (little-endian), whose data is one serialized tensorflow.Event.
import { mkdirSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

import { Message } from '../deploy/onnx/protobuf.js';
import { maskedCrc32c } from './crc32c.js';
import { LogFile } from './log_file.js';

/** Event field numbers (tensorboard/compat/proto/event.proto and summary.proto). */
export const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
export const SUMMARY = { value: 1 } as const;
export const VALUE = { tag: 1, simpleValue: 2, image: 4 } as const;
export const IMAGE = { height: 1, width: 2, colorspace: 3, encoded: 4 } as const;

/** The version TensorBoard looks for in a file's first event; any other "brain.Event:" is legacy. */
export const FILE_VERSION = 'brain.Event:2';

/** Summary.Image colorspaces, as TensorFlow numbers them. */
export const COLORSPACE = { grey: 1, greyAlpha: 2, rgb: 3, rgba: 4 } as const;

export function frameRecord(data: Uint8Array): Buffer {
  const out = Buffer.alloc(8 + 4 + data.byteLength + 4);
  out.writeBigUInt64LE(BigInt(data.byteLength), 0);
  out.writeUInt32LE(maskedCrc32c(out.subarray(0, 8)), 8);
  out.set(data, 12);
  out.writeUInt32LE(maskedCrc32c(data), 12 + data.byteLength);
  return out;
}

function checkStep(step: number): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new Error(`tensorboard: step must be an integer >= 0, got ${step}`);
  }
}

export class EventWriter {
  readonly file: string;
  private readonly log: LogFile;

  /**
   * Starts a new events file in dir. TensorBoard reads every "tfevents" file of a directory in
   * name order, so a resumed run gets a file of its own rather than appending to the old one; two
   * writers started within the same second get ".1", ".2", ... so neither writes into the other.
   */
  constructor(dir: string) {
    mkdirSync(dir, { recursive: true });
    const base = join(dir, `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${hostname()}`);
    let fd: number | null = null;
    let file = base;
    for (let n = 1; fd === null; n++) {
      try {
        fd = openSync(file, 'ax');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        file = `${base}.${n}`;
      }
    }
    this.log = new LogFile(file, fd);
    this.file = file;
    this.write(
      new Message().double(EVENT.wallTime, Date.now() / 1000).string(EVENT.fileVersion, FILE_VERSION),
    );
  }

  scalar(tag: string, value: number, step: number): void {
    this.scalars({ [tag]: value }, step);
  }

  /** Several scalars of one step as one event, as TensorFlow's merged summaries are. */
  scalars(values: Record<string, number>, step: number): void {
    checkStep(step);
    if (Object.keys(values).length === 0) return;
    const summary = new Message();
    for (const [tag, value] of Object.entries(values)) {
      // simple_value is a float: TensorBoard shows float32, metrics.csv keeps the full double.
      summary.message(SUMMARY.value, new Message().string(VALUE.tag, tag).float(VALUE.simpleValue, value));
    }
    this.summary(summary, step);
  }

  /** An encoded image (PNG) of height x width pixels; colorspace 3 is RGB, 4 RGBA. */
  image(
    tag: string,
    png: Uint8Array,
    height: number,
    width: number,
    step: number,
    colorspace: number = COLORSPACE.rgb,
  ): void {
    checkStep(step);
    const image = new Message()
      .int(IMAGE.height, height)
      .int(IMAGE.width, width)
      .int(IMAGE.colorspace, colorspace)
      .bytes(IMAGE.encoded, png);
    const value = new Message().string(VALUE.tag, tag).message(VALUE.image, image);
    this.summary(new Message().message(SUMMARY.value, value), step);
  }

  /** Records go to the kernel as they are written; this also makes them survive a power cut. */
  flush(): void {
    this.log.flush();
  }

  close(): void {
    this.log.close();
  }

  private summary(summary: Message, step: number): void {
    this.write(
      new Message()
        .double(EVENT.wallTime, Date.now() / 1000)
        .int(EVENT.step, step)
        .message(EVENT.summary, summary),
    );
  }

  // One write call per record, straight to the file descriptor: a crash can cut only the record
  // being written, never one already returned from scalar() or image().
  private write(event: Message): void {
    this.log.append(frameRecord(event.encode()));
  }
}
