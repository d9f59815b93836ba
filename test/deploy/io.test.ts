// The video I/O pieces settle on every path, whatever order ffmpeg's exit, its pipes' close and
// the caller's calls come in: a promise left pending would hang `veil anonymize` (and CI).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { VideoWriter } from '../../src/data/video/encode.js';
import { TimedDecoder } from '../../src/deploy/timed_decode.js';
import { ffmpeg, tempDir } from '../data/helpers.js';

let dir = '';
let big = '';

/** Rejects if `p` has not settled within `ms`: a hang becomes a failure that says what hung. */
function settles<T>(p: Promise<T>, what: string, ms = 20_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

before(async () => {
  dir = await tempDir('deploy-io');
  // 60 frames of 160x120 rgb24 are 3.4 MB: far more than a pipe and a stream buffer hold, so
  // ffmpeg blocks on its output until someone reads it.
  big = join(dir, 'big.mp4');
  await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=2.4', '-c:v', 'mjpeg', big);
});

test('a decoder killed with its output unread (ffmpeg blocked on the pipe) finishes', async () => {
  const d = new TimedDecoder({ path: big });
  await settles(d.head, 'the first frame');
  d.kill();
  await settles(d.done(), 'done() after kill()');
});

test('a decoder killed after ffmpeg exited with output unread finishes', async () => {
  const d = new TimedDecoder({ path: big, preview: 0.2 }); // 5 frames: ffmpeg writes them and exits
  await settles(d.head, 'the first frame');
  await new Promise((r) => setTimeout(r, 1000));
  d.kill();
  await settles(d.done(), 'done() after kill()');
});

test('a decoder abandoned after one frame stops ffmpeg and finishes', async () => {
  const d = new TimedDecoder({ path: big });
  for await (const f of d.frames()) {
    assert.equal(f.data.length, 160 * 120 * 3);
    break;
  }
  await settles(d.done(), 'done() after an early stop');
});

test('writing to an encoder whose ffmpeg has stopped fails instead of waiting', async () => {
  // A frame rate ffmpeg refuses: it exits at once, with frames still to come.
  const w = await VideoWriter.open(join(dir, 'dead.avi'), { width: 160, height: 120, fps: -1 });
  const frame = new Uint8Array(160 * 120 * 3);
  await new Promise((r) => setTimeout(r, 1000)); // ffmpeg has exited and its 'close' has fired
  const writeAll = async (): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      await w.write(frame);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  await assert.rejects(settles(writeAll(), 'write() after ffmpeg stopped'), /encoder stopped/);
  await settles(w.abort(), 'abort()');
});
