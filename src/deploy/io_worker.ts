// The video I/O thread: it runs the decoding and the encoding ffmpeg for one video, so both keep
// working while the main thread is busy with a batch (a blocked event loop would stall the
// pipes). Frames go out one by one as they decode; anonymized frames come back in batches and
// are encoded with the timestamps kept here.
import { parentPort } from 'node:worker_threads';

import type { FromWorker, JobSpec, ToWorker } from './io_protocol.js';
import { TimedDecoder } from './timed_decode.js';
import { TimedEncoder } from './timed_encode.js';

if (!parentPort) throw new Error('io_worker.ts runs as a worker thread');
const port = parentPort;

const post = (m: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(m, transfer);

/** A wake-up signal: wait() resolves at the next notify(). */
class Signal {
  private waiters: (() => void)[] = [];
  wait(): Promise<void> {
    return new Promise((r) => this.waiters.push(r));
  }
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const r of w) r();
  }
}

async function run(spec: JobSpec): Promise<void> {
  const decoder = new TimedDecoder(spec.source);
  let encoder: TimedEncoder | null = null;
  // Timestamps of the frames sent and not yet encoded (and of the last one encoded): memory
  // stays bounded by the window, however long the video.
  const pts: bigint[] = [];
  let lastPts: bigint | null = null;
  let decoded = false;
  const queue: { buf: ArrayBuffer; count: number }[] = [];
  const changed = new Signal();
  let sent = 0;
  let written = 0;
  let finishing = false;
  let failure: Error | null = null;
  let aborted = false;

  port.on('message', (m: ToWorker) => {
    if (m.type === 'out') queue.push({ buf: m.buf, count: m.count });
    else if (m.type === 'finish') finishing = true;
    else if (m.type === 'abort') {
      aborted = true;
      failure ??= new Error('aborted');
      decoder.kill();
    }
    changed.notify();
  });

  const writeAll = async (enc: TimedEncoder): Promise<void> => {
    for (;;) {
      while (queue.length === 0 && !finishing && !failure) await changed.wait();
      if (failure) return;
      const item = queue.shift();
      if (!item) return; // finishing, nothing left
      const bytes = item.buf.byteLength / item.count;
      for (let i = 0; i < item.count; i++) {
        const p = pts.shift();
        if (p === undefined) throw new Error(`got more anonymized frames than the ${sent} decoded`);
        // A frame lasts until the next one starts: wait for the next timestamp unless decoding is over.
        while (pts.length === 0 && !decoded && !failure) await changed.wait();
        if (failure) return;
        const next = pts[0];
        // The last frame lasts as long as the one before it; a lone frame's length is the encoder's to choose.
        const duration = next !== undefined ? next - p : lastPts !== null ? p - lastPts : null;
        await enc.write(new Uint8Array(item.buf, i * bytes, bytes), p, duration);
        lastPts = p;
        written++;
        changed.notify();
      }
    }
  };

  try {
    const head = await decoder.head;
    encoder = await TimedEncoder.open({
      ...spec.target,
      width: head.width * spec.widthFactor,
      height: head.height,
      timeBase: head.timeBase,
      fps: spec.fps,
    });
    post({ type: 'head', ...head });
    const { frames, bytes, least } = spec.window;
    // At least two: a frame is encoded only once the one after it has decoded (its duration).
    const window = Math.max(2, least, Math.min(frames, Math.floor(bytes / (head.width * head.height * 3))));
    const writing = writeAll(encoder).catch((e: unknown) => {
      failure ??= e as Error;
      decoder.kill();
      changed.notify();
    });
    for await (const f of decoder.frames()) {
      if (failure) break;
      pts.push(f.pts);
      post({ type: 'frame', buf: f.data.buffer as ArrayBuffer }, [f.data.buffer as ArrayBuffer]);
      sent++;
      changed.notify();
      while (sent - written >= window && !failure) await changed.wait();
    }
    decoded = true;
    changed.notify();
    if (failure) throw failure;
    post({ type: 'end', frames: sent, damage: decoder.damage });
    await writing;
    if (failure) throw failure;
    if (written !== sent) throw new Error(`encoded ${written} of ${sent} frames`);
    await encoder.close();
    post({ type: 'closed', frames: written });
  } catch (e) {
    // The answer goes out even if cleaning up fails: the inference thread is waiting for it.
    try {
      decoder.kill();
      await decoder.done();
      await encoder?.abort();
    } catch {
      // nothing more to stop
    }
    post(aborted ? { type: 'aborted' } : { type: 'error', message: (failure ?? (e as Error)).message });
  } finally {
    port.close();
  }
}

port.once('message', (m: ToWorker) => {
  if (m.type === 'start') void run(m.spec);
});
