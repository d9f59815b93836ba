// Anonymize: a local video file (or the camera) through an exported f_A, in this page, with
// onnxruntime-web (WebGPU where the browser has it, else WebAssembly): the video is never sent
// anywhere. The f_A is a run's (the server exports it to ONNX as `veil export` does) or a local
// .onnx file. Frames are taken one by one by seeking (so none is skipped or repeated), resized to
// the f_A's resolution, anonymized, and shown beside the original; a slider goes through them,
// and the anonymized frames are encoded to a WebM to download, at the video's frame rate.
import type * as Ort from 'onnxruntime-web';

import { getBytes, getJson, type ModelEntry, type ModelInfo, postBytes } from './api.js';
import { detect, type Found, sampleFrames } from './audit.js';
import { h, showError } from './dom.js';

/** onnxruntime-web's WebGPU build (it runs the WebAssembly backend too), served from node_modules. */
const ORT_URL = '/vendor/ort/ort.webgpu.min.mjs';

interface Loaded {
  label: string;
  model: string | null;
  /** The training resolution recorded in the graph, 'HxW'. */
  input: string | null;
  stride: number;
  session: Ort.InferenceSession;
  ort: typeof Ort;
  backend: string;
}

interface Frame {
  input: ImageData;
  output: ImageData;
}

let ortModule: Promise<typeof Ort> | null = null;

function loadOrt(): Promise<typeof Ort> {
  ortModule ??= (import(ORT_URL) as Promise<typeof Ort>).then((ort) => {
    ort.env.wasm.wasmPaths = '/vendor/ort/';
    // Threads need SharedArrayBuffer, which the server's cross-origin isolation headers allow.
    ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
    return ort;
  });
  return ortModule;
}

async function createSession(
  bytes: Uint8Array,
): Promise<{ session: Ort.InferenceSession; ort: typeof Ort; backend: string }> {
  const ort = await loadOrt();
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (gpu && (await gpu.requestAdapter().catch(() => null))) {
    try {
      return {
        session: await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'] }),
        ort,
        backend: 'WebGPU',
      };
    } catch {
      // no usable GPU after all: WebAssembly below
    }
  }
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  return { session, ort, backend: `WebAssembly, ${ort.env.wasm.numThreads ?? 1} thread(s)` };
}

/** RGBA pixels -> (1, 3, H, W) floats in [0, 1], the input `veil export` graphs take. */
export function toInput(img: ImageData): Float32Array {
  const n = img.width * img.height;
  const x = new Float32Array(3 * n);
  for (let i = 0; i < n; i++)
    for (let c = 0; c < 3; c++) x[c * n + i] = (img.data[i * 4 + c] as number) / 255;
  return x;
}

/** (1, 3, H, W) floats -> RGBA pixels, clamped to [0, 1] and rounded to 8 bits. */
export function toImage(y: Float32Array, width: number, height: number): ImageData {
  const n = width * height;
  const img = new ImageData(width, height);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++)
      img.data[i * 4 + c] = Math.round(Math.min(1, Math.max(0, y[c * n + i] as number)) * 255);
    img.data[i * 4 + 3] = 255;
  }
  return img;
}

async function anonymize(m: Loaded, img: ImageData): Promise<ImageData> {
  const x = new m.ort.Tensor('float32', toInput(img), [1, 3, img.height, img.width]);
  const out = await m.session.run({ [m.session.inputNames[0] as string]: x });
  const y = out[m.session.outputNames[0] as string] as Ort.Tensor;
  const data = (await y.getData()) as Float32Array;
  x.dispose();
  y.dispose();
  return toImage(data, img.width, img.height);
}

const once = (el: EventTarget, event: string): Promise<void> =>
  new Promise((done) => el.addEventListener(event, () => done(), { once: true }));

/** The video's frame rate from the timestamps of frames it presents while playing (muted). */
async function measureFps(video: HTMLVideoElement): Promise<number | null> {
  if (!('requestVideoFrameCallback' in video)) return null;
  const times: number[] = [];
  video.muted = true;
  await new Promise<void>((done) => {
    const next = (_: number, meta: VideoFrameCallbackMetadata): void => {
      times.push(meta.mediaTime);
      if (times.length >= 8) done();
      else video.requestVideoFrameCallback(next);
    };
    video.requestVideoFrameCallback(next);
    video.addEventListener('ended', () => done(), { once: true });
    window.setTimeout(done, 4000);
    video.play().catch(() => done());
  });
  video.pause();
  const d = times
    .slice(1)
    .map((t, i) => t - (times[i] as number))
    .filter((x) => x > 1e-4)
    .sort((a, b) => a - b);
  const median = d[Math.floor(d.length / 2)];
  return median ? Math.round((1 / median) * 1000) / 1000 : null;
}

async function seek(video: HTMLVideoElement, t: number): Promise<void> {
  const done = once(video, 'seeked');
  video.currentTime = t;
  await done;
}

/** Frames as a WebM (MediaRecorder on a canvas), each held for 1/fps s, so the file keeps the video's rate. */
async function encodeWebm(frames: readonly ImageData[], fps: number): Promise<Blob> {
  const first = frames[0] as ImageData;
  const canvas = h('canvas', { width: first.width, height: first.height });
  const ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  const stream = canvas.captureStream(0);
  const track = stream.getVideoTracks()[0] as CanvasCaptureMediaStreamTrack;
  const type = ['video/webm;codecs=vp9', 'video/webm;codecs=vp8', 'video/webm'].find((t) =>
    MediaRecorder.isTypeSupported(t),
  );
  const rec = new MediaRecorder(stream, type ? { mimeType: type } : {});
  const chunks: Blob[] = [];
  rec.ondataavailable = (e) => chunks.push(e.data);
  const stopped = once(rec, 'stop');
  rec.start();
  for (const f of frames) {
    ctx.putImageData(f, 0, 0);
    track.requestFrame();
    await new Promise((r) => window.setTimeout(r, 1000 / fps));
  }
  rec.stop();
  await stopped;
  track.stop();
  return new Blob(chunks, { type: 'video/webm' });
}

export async function anonymizePage(app: HTMLElement): Promise<void> {
  let model: Loaded | null = null;
  let frames: Frame[] = [];
  let camera: MediaStream | null = null;
  const models = await getJson<ModelEntry[]>('/api/models');

  const modelSelect = h(
    'select',
    { id: 'model' },
    h(
      'option',
      { value: '' },
      models.length ? '(choose an f_A)' : '(no f_A in this workspace: choose a file)',
    ),
    models.map((m) =>
      h(
        'option',
        { value: m.key },
        `${m.label}${m.model ? ` (${m.model}${m.input ? `, ${m.input}` : ''})` : ''}`,
      ),
    ),
  );
  const modelFile = h('input', { type: 'file', id: 'model-file', accept: '.onnx' });
  const modelStatus = h('p', { id: 'model-status', class: 'note' }, 'No f_A loaded.');
  const height = h('input', { type: 'number', id: 'height', min: 1, value: 32, style: 'width:5em' });
  const width = h('input', { type: 'number', id: 'width', min: 1, value: 32, style: 'width:5em' });
  const fpsInput = h('input', {
    type: 'number',
    id: 'fps',
    min: 0.1,
    step: 'any',
    style: 'width:5em',
    placeholder: 'measured',
  });
  const videoFile = h('input', { type: 'file', id: 'video-file', accept: 'video/*' });
  const runButton = h('button', { id: 'run', disabled: true }, 'Anonymize the video');
  const cameraButton = h('button', { id: 'camera' }, 'Use the camera');
  const stopButton = h('button', { id: 'stop', disabled: true }, 'Stop the camera');
  const progress = h('p', { id: 'progress' });
  const video = h('video', {
    id: 'source',
    muted: true,
    playsinline: true,
    style: 'max-width:320px;display:none',
  });
  const original = h('canvas', {
    id: 'original',
    class: 'frame',
    width: 32,
    height: 32,
    style: 'width:320px',
  });
  const anonymized = h('canvas', {
    id: 'anonymized',
    class: 'frame',
    width: 32,
    height: 32,
    style: 'width:320px',
  });
  const slider = h('input', {
    type: 'range',
    id: 'frame',
    min: 0,
    max: 0,
    value: 0,
    disabled: true,
    style: 'width:640px',
  });
  const download = h('p', { id: 'download-line' });
  const auditButton = h('button', { id: 'audit', disabled: true }, 'Audit: look for faces and people');
  const auditOut = h('div', { id: 'audit-out' });
  let fps = 0;
  let videoUrl = '';
  const error = h('div');

  app.replaceChildren(
    h('h1', {}, 'Anonymize'),
    h(
      'p',
      { class: 'note' },
      'The video stays in this page: f_A runs here with onnxruntime-web, nothing is uploaded.',
    ),
    h('fieldset', {}, h('legend', {}, 'f_A'), modelSelect, ' or a local file ', modelFile, modelStatus),
    h(
      'fieldset',
      {},
      h('legend', {}, 'Resolution f_A runs at (multiples of its stride)'),
      h('label', {}, 'height ', height),
      h('label', {}, 'width ', width),
      h('label', {}, 'frame rate ', fpsInput, ' fps'),
    ),
    h('fieldset', {}, h('legend', {}, 'Video'), videoFile, runButton, ' or ', cameraButton, stopButton),
    progress,
    error,
    h(
      'div',
      { class: 'side' },
      h('figure', {}, original, h('figcaption', {}, 'original (as f_A sees it)')),
      h('figure', {}, anonymized, h('figcaption', {}, 'anonymized')),
    ),
    slider,
    download,
    h(
      'fieldset',
      {},
      h('legend', {}, 'Audit'),
      h(
        'p',
        { class: 'note' },
        "An independent detector (@vladmandic/human: BlazeFace, and CenterNet's person class; the settings of veil anonymize --audit) looks at 8 frames sampled through the video, in the original at its resolution and in the anonymized frames scaled to it.",
      ),
      auditButton,
      auditOut,
    ),
    video,
  );
  const octx = original.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const actx = anonymized.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
  const fail = (e: unknown): void => showError(error, e);

  const size = (): { w: number; h: number } => {
    const s = model?.stride ?? 1;
    // H and W must be multiples of the stride: round to the nearest one (at least one stride).
    const fit = (v: number): number => Math.max(s, Math.round(v / s) * s);
    const hh = fit(Number(height.value) || s);
    const ww = fit(Number(width.value) || s);
    height.value = String(hh);
    width.value = String(ww);
    return { w: ww, h: hh };
  };
  const describe = (): void => {
    if (!model) return;
    const { w, h: hh } = size();
    modelStatus.textContent =
      `f_A: ${model.label}${model.model ? ` (${model.model})` : ''}` +
      `${model.input ? `, trained at ${model.input}` : ''}; stride ${model.stride}; ` +
      `running at ${hh}x${w} on ${model.backend}.`;
  };
  const ready = (): void => {
    runButton.disabled = !model || !videoFile.files?.length;
  };

  const useModel = async (
    label: string,
    bytes: Uint8Array,
    info: { model: string | null; input: string | null; stride: number },
  ): Promise<void> => {
    modelStatus.textContent = `loading ${label}…`;
    const { session, ort, backend } = await createSession(bytes);
    await model?.session.release();
    model = { label, model: info.model, input: info.input, stride: info.stride, session, ort, backend };
    const m = /^(\d+)x(\d+)$/.exec(info.input ?? '');
    if (m) {
      height.value = m[1] as string;
      width.value = m[2] as string;
    }
    describe();
    ready();
  };

  modelSelect.addEventListener('change', () => {
    const key = modelSelect.value;
    if (!key) return;
    error.replaceChildren();
    (async () => {
      const q = `key=${encodeURIComponent(key)}`;
      const info = await getJson<ModelInfo>(`/api/model?${q}`);
      const bytes = new Uint8Array(await getBytes(`/api/model.onnx?${q}`));
      await useModel(info.label, bytes, info);
    })().catch(fail);
  });
  modelFile.addEventListener('change', () => {
    const f = modelFile.files?.[0];
    if (!f) return;
    error.replaceChildren();
    (async () => {
      const buf = await f.arrayBuffer();
      // The server reads `veil export`'s metadata (model, training size, stride); the model stays here too.
      const info = await postBytes<{ metadata: Record<string, string>; stride: number }>(
        '/api/onnx/inspect',
        buf,
      );
      await useModel(f.name, new Uint8Array(buf), {
        model: info.metadata['veil.model'] ?? null,
        input: info.metadata['veil.input'] ?? null,
        stride: info.stride,
      });
    })().catch(fail);
  });
  height.addEventListener('change', describe);
  width.addEventListener('change', describe);
  videoFile.addEventListener('change', ready);

  const show = (i: number): void => {
    const f = frames[i];
    if (!f) return;
    for (const c of [original, anonymized]) [c.width, c.height] = [f.input.width, f.input.height];
    octx.putImageData(f.input, 0, 0);
    actx.putImageData(f.output, 0, 0);
  };
  slider.addEventListener('input', () => show(Number(slider.value)));

  /** The current picture of the video at f_A's size, and f_A's answer, drawn side by side. */
  const step = async (m: Loaded, w: number, hh: number): Promise<Frame> => {
    for (const c of [original, anonymized]) [c.width, c.height] = [w, hh];
    octx.drawImage(video, 0, 0, w, hh);
    const input = octx.getImageData(0, 0, w, hh);
    const output = await anonymize(m, input);
    actx.putImageData(output, 0, 0);
    return { input, output };
  };

  runButton.addEventListener('click', () => {
    const file = videoFile.files?.[0];
    const m = model;
    if (!file || !m) return;
    error.replaceChildren();
    runButton.disabled = true;
    download.replaceChildren();
    auditButton.disabled = true;
    auditOut.replaceChildren();
    (async () => {
      if (videoUrl) URL.revokeObjectURL(videoUrl);
      videoUrl = URL.createObjectURL(file);
      video.srcObject = null;
      video.src = videoUrl;
      await once(video, 'loadedmetadata');
      fps = Number(fpsInput.value) || ((await measureFps(video)) ?? 0);
      if (!fps) throw new Error('could not measure the frame rate: type it in (fps)');
      fpsInput.value = String(fps);
      const n = Math.max(1, Math.round(video.duration * fps));
      const { w, h: hh } = size();
      describe();
      frames = [];
      const t0 = performance.now();
      let inference = 0;
      for (let i = 0; i < n; i++) {
        // The middle of frame i's display interval: exactly frame i, whatever the decoder's rounding.
        await seek(video, Math.min((i + 0.5) / fps, video.duration - 1e-3));
        const s = performance.now();
        frames.push(await step(m, w, hh));
        inference += performance.now() - s;
        progress.textContent = `frame ${i + 1}/${n}`;
      }
      const seconds = (performance.now() - t0) / 1000;
      slider.max = String(frames.length - 1);
      slider.value = String(frames.length - 1);
      slider.disabled = false;
      progress.textContent =
        `done: ${n} frames of ${file.name} at ${hh}x${w} (${video.videoHeight}x${video.videoWidth} source, ${fps} fps) ` +
        `in ${seconds.toFixed(1)} s, f_A ${(inference / n).toFixed(1)} ms a frame on ${m.backend}; encoding the WebM…`;
      // The frames can be audited while the WebM is encoded.
      auditButton.disabled = false;
      const blob = await encodeWebm(
        frames.map((f) => f.output),
        fps,
      );
      const name = `${file.name.replace(/\.[^.]*$/, '')}-anonymized.webm`;
      download.replaceChildren(
        h('a', { id: 'download', href: URL.createObjectURL(blob), download: name }, `Download ${name}`),
        ` (${(blob.size / 1024).toFixed(0)} KiB, ${n} frames at ${hh}x${w}, ${fps} fps)`,
      );
      progress.textContent = progress.textContent.replace('; encoding the WebM…', '.');
    })()
      .catch(fail)
      .finally(() => ready());
  });

  auditButton.addEventListener('click', () => {
    auditButton.disabled = true;
    auditOut.replaceChildren(h('p', {}, 'loading the detector…'));
    (async () => {
      const idx = sampleFrames(frames.length, 8);
      // The original at its own resolution (at most 640 pixels a side), f_A's frames scaled to it.
      const scale = Math.min(1, 640 / Math.max(video.videoWidth, video.videoHeight));
      const [w, hh] = [Math.round(video.videoWidth * scale), Math.round(video.videoHeight * scale)];
      const orig = h('canvas', { width: w, height: hh });
      const anon = h('canvas', { width: w, height: hh });
      const small = h('canvas');
      const rows: { frame: number; a: Found; b: Found }[] = [];
      for (const k of idx) {
        const f = frames[k] as Frame;
        await seek(video, Math.min((k + 0.5) / fps, video.duration - 1e-3));
        (orig.getContext('2d') as CanvasRenderingContext2D).drawImage(video, 0, 0, w, hh);
        [small.width, small.height] = [f.output.width, f.output.height];
        (small.getContext('2d') as CanvasRenderingContext2D).putImageData(f.output, 0, 0);
        (anon.getContext('2d') as CanvasRenderingContext2D).drawImage(small, 0, 0, w, hh);
        rows.push({ frame: k, a: await detect(orig), b: await detect(anon) });
        auditOut.replaceChildren(h('p', {}, `audited ${rows.length}/${idx.length} frames…`));
      }
      const withFaces = (key: 'a' | 'b'): number => rows.filter((r) => r[key].faces.length > 0).length;
      const n = rows.length;
      const verdict =
        withFaces('b') === 0
          ? `no face found in the ${n} sampled anonymized frame(s) (the original: faces in ${withFaces('a')} of ${n})`
          : `a face is still found in ${withFaces('b')} of ${n} sampled anonymized frame(s) (the original: ${withFaces('a')} of ${n})`;
      const cell = (x: number[]): string =>
        x.length ? `${x.length} (${x.map((v) => v.toFixed(2)).join(', ')})` : '0';
      auditOut.replaceChildren(
        h('p', { id: 'audit-verdict' }, verdict),
        h(
          'table',
          { id: 'audit-table' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              ['frame', 'faces: original', 'faces: anonymized', 'people: original', 'people: anonymized'].map(
                (c) => h('th', {}, c),
              ),
            ),
          ),
          h(
            'tbody',
            {},
            rows.map((r) =>
              h(
                'tr',
                {},
                h('td', {}, r.frame),
                h('td', {}, cell(r.a.faces)),
                h('td', {}, cell(r.b.faces)),
                h('td', {}, cell(r.a.persons)),
                h('td', {}, cell(r.b.persons)),
              ),
            ),
          ),
        ),
      );
    })()
      .catch((e: unknown) => showError(auditOut, e))
      .finally(() => (auditButton.disabled = false));
  });

  cameraButton.addEventListener('click', () => {
    const m = model;
    if (!m) {
      fail(new Error('load an f_A first'));
      return;
    }
    error.replaceChildren();
    download.replaceChildren();
    auditButton.disabled = true; // the audit reads a video file's frames again
    auditOut.replaceChildren();
    (async () => {
      camera = await navigator.mediaDevices.getUserMedia({ video: true, audio: false });
      video.src = '';
      video.srcObject = camera;
      await video.play();
      const { w, h: hh } = size();
      describe();
      const rec = new MediaRecorder(anonymized.captureStream());
      const chunks: Blob[] = [];
      rec.ondataavailable = (e) => chunks.push(e.data);
      rec.start();
      cameraButton.disabled = true;
      stopButton.disabled = false;
      let count = 0;
      // Each frame the camera presents while f_A is free: a slow f_A skips frames, never lags behind.
      const next = (): void => {
        if (!camera) return;
        video.requestVideoFrameCallback(() => {
          step(m, w, hh)
            .then(() => (progress.textContent = `camera: ${++count} frames at ${hh}x${w}`))
            .catch(fail)
            .finally(next);
        });
      };
      next();
      stopButton.onclick = () => {
        camera?.getTracks().forEach((t) => t.stop());
        camera = null;
        const stopped = once(rec, 'stop');
        rec.stop();
        void stopped.then(() => {
          const blob = new Blob(chunks, { type: 'video/webm' });
          download.replaceChildren(
            h(
              'a',
              { id: 'download', href: URL.createObjectURL(blob), download: 'camera-anonymized.webm' },
              'Download camera-anonymized.webm',
            ),
          );
          cameraButton.disabled = false;
          stopButton.disabled = true;
        });
      };
    })().catch(fail);
  });
}
