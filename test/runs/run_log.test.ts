// A run's logs: CRC32C against published vectors, event records byte for byte against ones built
// by hand from TensorFlow's record format (their CRCs from an independent CRC32C implementation),
// and RunLog's metrics.csv and events files read back, damaged, truncated and resumed.
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { test } from 'node:test';

import sharp from 'sharp';

import { Message } from '../../src/deploy/onnx/protobuf.js';
import { crc32c, maskCrc, maskedCrc32c } from '../../src/runs/crc32c.js';
import { METRICS_HEADER, MetricsCsv, readMetricsCsv } from '../../src/runs/metrics_file.js';
import { RunLog } from '../../src/runs/run_log.js';
import { EventWriter, FILE_VERSION, frameRecord } from '../../src/runs/tensorboard.js';
import { readEvents } from '../../src/runs/tensorboard_read.js';
import { tempDir } from '../helpers.js';

const ascii = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'latin1'));

test('crc32c matches the published check values', () => {
  assert.equal(crc32c(ascii('123456789')), 0xe3069283);
  // RFC 3720 appendix B.4
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43);
  assert.equal(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e);
  assert.equal(crc32c(new Uint8Array()), 0);
});

test("TensorFlow's mask", () => {
  assert.equal(maskCrc(0), 0xa282ead8);
  assert.equal(maskedCrc32c(ascii('123456789')), 0xc78ab0e5);
  assert.equal(maskCrc(0xffffffff), (0xffffffff + 0xa282ead8) % 2 ** 32);
});

// Built from the spec: uint64 length, masked CRC of it, Event bytes, masked CRC of them; the CRCs
// were computed with the crc32c Python package and TensorFlow's masking, not with this code.
test('event records match hand-built ones byte for byte', () => {
  const header = new Message().double(1, 1700000000.5).string(3, 'brain.Event:2');
  assert.equal(
    Buffer.from(frameRecord(header.encode())).toString('hex'),
    '1800000000000000a37f4b22' + '0900002040fc54d941' + '1a0d627261696e2e4576656e743a32' + '2b353110',
  );
  const value = new Message().string(1, 'step/loss').float(2, 0.5);
  const scalar = new Message().double(1, 1700000001).int(2, 7).message(5, new Message().message(1, value));
  assert.equal(
    Buffer.from(frameRecord(scalar.encode())).toString('hex'),
    '1f00000000000000514b4418' +
      '0900004040fc54d941' +
      '1007' +
      '2a120a100a09737465702f6c6f7373150000003f' +
      '873d0217',
  );
});

const png = (): Promise<Buffer> =>
  sharp({ create: { width: 4, height: 3, channels: 3, background: '#f00' } })
    .png()
    .toBuffer();

const eventFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.startsWith('events.out.tfevents.'))
    .sort()
    .map((f) => join(dir, f));

test('RunLog writes metrics.csv and an events file that read back whole', async () => {
  const dir = tempDir('veil-runlog-');
  const image = await png();
  const before = Date.now() / 1000;
  const log = new RunLog(dir);
  const expected: { scope: string; epoch: number; step: number; name: string; value: number }[] = [];
  let step = 0;
  for (let epoch = 0; epoch < 3; epoch++) {
    for (let i = 0; i < 4; i++) {
      step++;
      const m = { loss: 1 / (step + 0.1), 'adv/acc': Math.PI / step };
      log.step(step, m, epoch);
      for (const [name, value] of Object.entries(m))
        expected.push({ scope: 'step', epoch, step, name, value });
    }
    const m = { val_acc: 0.1 * epoch + 1e-9, 'pose,map': -(epoch + 1) / 3 };
    log.epoch(epoch, step, m);
    for (const [name, value] of Object.entries(m))
      expected.push({ scope: 'epoch', epoch, step, name, value });
  }
  log.image('frames/anonymized', image, 3, 4, step);
  log.close();
  log.close(); // twice is harmless

  assert.match(basename(log.eventsFile), new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${hostname()}$`));
  assert.deepEqual(eventFiles(dir), [log.eventsFile]);
  assert.equal(log.metricsFile, join(dir, 'metrics.csv'));

  // metrics.csv: every value with all its digits
  assert.equal(readFileSync(log.metricsFile, 'utf8').split('\n')[0], METRICS_HEADER);
  assert.deepEqual(readMetricsCsv(log.metricsFile), expected);

  const events = readEvents(log.eventsFile);
  assert.equal(events[0]?.fileVersion, FILE_VERSION);
  assert.equal(events.length, 1 + 12 + 3 + 1);
  for (const e of events) {
    assert.ok(e.wallTime >= before - 1 && e.wallTime <= Date.now() / 1000 + 1, `wall time ${e.wallTime}`);
  }
  // TensorBoard's scalars are float32: each logged value, rounded so, at its step
  const scalars = events.flatMap((e) => e.scalars.map((s) => ({ ...s, step: e.step })));
  assert.deepEqual(
    scalars,
    expected.map((r) => ({ tag: `${r.scope}/${r.name}`, value: Math.fround(r.value), step: r.step })),
  );
  const images = events.flatMap((e) => e.images.map((im) => ({ ...im, step: e.step })));
  assert.equal(images.length, 1);
  assert.deepEqual(
    { ...images[0], png: Buffer.from(images[0]!.png) },
    { tag: 'frames/anonymized', height: 3, width: 4, colorspace: 3, png: image, step: 12 },
  );
});

function writeSmallRun(dir: string): string {
  const w = new EventWriter(dir);
  w.scalar('step/loss', 0.5, 1);
  w.scalar('step/loss', 0.25, 2);
  w.close();
  return w.file;
}

function flip(buf: Buffer, at: number, bits = 0x01): void {
  buf[at] = buf[at]! ^ bits;
}

test('a damaged byte is reported with the offset of its record', () => {
  const file = writeSmallRun(tempDir('veil-runlog-'));
  const good = readFileSync(file);
  const first = 12 + good.readUInt32LE(0) + 4; // offset of the second record
  const second = first + 12 + good.readUInt32LE(first) + 4;

  const data = Buffer.from(good);
  flip(data, first + 20); // inside the second record's Event bytes
  writeFileSync(file, data);
  assert.throws(() => readEvents(file), {
    message: `${file}: record at offset ${first}: data CRC mismatch (corrupt file)`,
  });

  const length = Buffer.from(good);
  flip(length, second, 0x40); // the third record's length
  writeFileSync(file, length);
  assert.throws(() => readEvents(file), {
    message: `${file}: record at offset ${second}: length CRC mismatch (corrupt file)`,
  });

  const crc = Buffer.from(good);
  flip(crc, crc.length - 1); // the last record's data CRC itself
  writeFileSync(file, crc);
  assert.throws(() => readEvents(file), /record at offset \d+: data CRC mismatch/);
});

test('a truncated file is reported as such', () => {
  const file = writeSmallRun(tempDir('veil-runlog-'));
  const size = readFileSync(file).length;
  truncateSync(file, size - 5);
  assert.throws(
    () => readEvents(file),
    (e: Error) => {
      assert.match(
        e.message,
        new RegExp(`^${file}: record at offset \\d+: truncated, \\d+ bytes of data announced`),
      );
      return true;
    },
  );
  const whole = readFileSync(file).subarray(0, 12 + readFileSync(file).readUInt32LE(0) + 4);
  writeFileSync(file, Buffer.concat([whole, Buffer.from([1, 2, 3])]));
  assert.throws(() => readEvents(file), {
    message: `${file}: record at offset ${whole.length}: truncated header (3 of 12 bytes)`,
  });
  writeFileSync(file, whole);
  assert.equal(readEvents(file).length, 1);
});

test('a resumed run appends to metrics.csv and starts another events file', () => {
  const dir = tempDir('veil-runlog-');
  const first = new RunLog(dir);
  first.step(1, { loss: 0.5 });
  first.close();
  // a crash in the middle of a row leaves half of it
  appendFileSync(join(dir, 'metrics.csv'), 'step,,2,lo');
  const second = new RunLog(dir);
  second.step(2, { loss: 0.25 });
  second.epoch(0, 2, { acc: 0.75 });
  second.close();

  assert.notEqual(second.eventsFile, first.eventsFile);
  assert.deepEqual(eventFiles(dir), [first.eventsFile, second.eventsFile].sort());
  const csv = readFileSync(join(dir, 'metrics.csv'), 'utf8');
  assert.equal(csv.split(METRICS_HEADER).length, 2, 'one header');
  assert.deepEqual(readMetricsCsv(join(dir, 'metrics.csv')), [
    { scope: 'step', epoch: null, step: 1, name: 'loss', value: 0.5 },
    { scope: 'step', epoch: null, step: 2, name: 'loss', value: 0.25 },
    { scope: 'epoch', epoch: 0, step: 2, name: 'acc', value: 0.75 },
  ]);
  for (const [file, steps] of [
    [first.eventsFile, [1]],
    [second.eventsFile, [2, 2]],
  ] as const) {
    const events = readEvents(file);
    assert.equal(events[0]?.fileVersion, FILE_VERSION);
    assert.deepEqual(
      events.slice(1).map((e) => e.step),
      steps,
    );
  }
});

test('metrics.csv keeps odd names and values, and refuses what is not its own', () => {
  const dir = tempDir('veil-runlog-');
  const csv = new MetricsCsv(dir);
  const odd = {
    'a "quoted", name': Number.NaN,
    'line\nbreak': Infinity,
    tiny: 5e-324,
    big: -1.7976931348623157e308,
  };
  csv.write('epoch', 4, 40, odd);
  csv.close();
  assert.deepEqual(
    readMetricsCsv(csv.file).map((r) => [r.name, r.value]),
    Object.entries(odd),
  );
  assert.throws(() => csv.write('step', null, 1, { x: 1 }), /closed/);

  const other = tempDir('veil-runlog-');
  writeFileSync(join(other, 'metrics.csv'), 'epoch,loss\n1,0.5\n');
  assert.throws(() => new MetricsCsv(other), /not a veil metrics file/);
  assert.throws(() => readMetricsCsv(join(other, 'metrics.csv')), /not a veil metrics file/);
  writeFileSync(join(other, 'metrics.csv'), `${METRICS_HEADER}\nstep,,1,loss,\n`);
  assert.throws(() => readMetricsCsv(join(other, 'metrics.csv')), /row 2: value "" is not a number/);
});

test('an events file refuses bad steps and writes after close', () => {
  const w = new EventWriter(tempDir('veil-runlog-'));
  assert.throws(() => w.scalar('x', 1, 1.5), /step must be an integer/);
  assert.throws(() => w.scalar('x', 1, -1), /step must be an integer/);
  w.close();
  assert.throws(() => w.scalar('x', 1, 1), /closed/);
});

test('RunLog refuses a bad call before writing to either file', () => {
  const log = new RunLog(tempDir('veil-runlog-'));
  assert.throws(() => log.step(-1, { loss: 1 }), /step must be an integer >= 0/);
  assert.throws(() => log.step(1, { '': 1 }), /needs a name/);
  assert.throws(() => log.epoch(0.5, 1, { loss: 1 }), /epoch must be an integer/);
  log.close();
  assert.deepEqual(readMetricsCsv(log.metricsFile), []);
  assert.equal(readEvents(log.eventsFile).length, 1);
});
