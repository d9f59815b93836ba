// An independent detector of faces and people, for the audit of an anonymizer's output: the
// face detector (BlazeFace) and the object detector (CenterNet, whose 'person' class counts) of
// @vladmandic/human, on TensorFlow.js's WebAssembly backend. Its weights ship inside the npm
// package and are read from node_modules through a file:// loader registered with tfjs, so
// nothing is downloaded, ever. It knows nothing of veil's networks: it judges f_A from outside.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import type * as Tf from '@tensorflow/tfjs-core';
import type { Config, Human } from '@vladmandic/human';

import type { Frame } from '../data/video/decode.js';

const require = createRequire(import.meta.url);

export interface Detection {
  score: number;
  /** [x, y, width, height] in pixels of the frame. */
  box: [number, number, number, number];
}

export interface Detections {
  faces: Detection[];
  persons: Detection[];
}

export interface DetectorOptions {
  /** Faces scoring at least this count (low: an audit would rather over-report a face). */
  faceScore?: number;
  personScore?: number;
}

/** tfjs reads a graph model's JSON and weight shards from disk for file:// URLs (no fetch). */
function registerFileLoader(tf: typeof Tf): void {
  // A router answers null for URLs it does not take (tfjs's own routers do; its type says otherwise).
  const router = (url: string | string[]): Tf.io.IOHandler | null => {
    if (typeof url !== 'string' || !url.startsWith('file://')) return null;
    return {
      load: async (): Promise<Tf.io.ModelArtifacts> => {
        const file = fileURLToPath(url);
        const json = JSON.parse(readFileSync(file, 'utf8')) as {
          modelTopology: object;
          format?: string;
          generatedBy?: string;
          convertedBy?: string | null;
          signature?: object;
          userDefinedMetadata?: Record<string, object>;
          weightsManifest: { paths: string[]; weights: Tf.io.WeightsManifestEntry[] }[];
        };
        const shards = json.weightsManifest.flatMap((g) =>
          g.paths.map((p) => readFileSync(join(dirname(file), p))),
        );
        const all = Buffer.concat(shards);
        return {
          modelTopology: json.modelTopology,
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
          signature: json.signature,
          userDefinedMetadata: json.userDefinedMetadata,
          weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
          weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
        };
      },
    };
  };
  tf.io.registerLoadRouter(router as Parameters<typeof tf.io.registerLoadRouter>[0]);
}

/** Faces (persons) scoring at least this count: low, as an audit would rather over-report a face. */
export const DEFAULT_SCORES = { faceScore: 0.3, personScore: 0.3 };

/**
 * What human runs, wherever it runs (here on Node, and in `veil serve`'s page, which is sent this):
 * the face detector and the object detector, nothing else; the paths are the caller's.
 */
export function detectorConfig(): Partial<Config> {
  const off = { enabled: false };
  return {
    debug: false,
    async: true,
    warmup: 'none',
    cacheSensitivity: 0, // every frame is judged afresh, never from the previous one's result
    face: {
      enabled: true,
      detector: { enabled: true, rotation: false, maxDetected: 50, minConfidence: 0.2, return: false },
      mesh: off,
      iris: off,
      description: off,
      emotion: off,
      antispoof: off,
      liveness: off,
      attention: off,
    } as Config['face'],
    object: { enabled: true, minConfidence: 0.2, maxDetected: 50 } as Config['object'],
    body: off as Config['body'],
    hand: off as Config['hand'],
    gesture: off,
    segmentation: off as Config['segmentation'],
    filter: { enabled: false } as Config['filter'],
  };
}

let shared: Promise<{ human: Human; tf: typeof Tf }> | null = null;

/** One detector per process: loading the models takes a moment, and tfjs's engine is global. */
function load(): Promise<{ human: Human; tf: typeof Tf }> {
  shared ??= (async () => {
    const tf = require('@tensorflow/tfjs-core') as typeof Tf;
    registerFileLoader(tf);
    const pkg = dirname(require.resolve('@vladmandic/human'));
    const { Human: HumanClass } = require(join(pkg, 'human.node-wasm.js')) as {
      Human: new (c: Partial<Config>) => Human;
    };
    const wasm = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    const human = new HumanClass({
      ...detectorConfig(),
      backend: 'wasm',
      wasmPath: `${pathToFileURL(wasm).href}/`,
      modelBasePath: `${pathToFileURL(join(pkg, '..', 'models')).href}/`,
    });
    await human.load();
    return { human, tf };
  })();
  return shared;
}

export class Detector {
  private constructor(
    private readonly human: Human,
    private readonly tf: typeof Tf,
    private readonly o: Required<DetectorOptions>,
  ) {}

  static async create(o: DetectorOptions = {}): Promise<Detector> {
    const { human, tf } = await load();
    return new Detector(human, tf, { ...DEFAULT_SCORES, ...o });
  }

  async detect(f: Frame): Promise<Detections> {
    const t = this.tf.tensor3d(f.data, [f.height, f.width, 3], 'int32');
    try {
      const r = await this.human.detect(t as never);
      const box = (b: readonly number[]): Detection['box'] => [b[0] ?? 0, b[1] ?? 0, b[2] ?? 0, b[3] ?? 0];
      return {
        faces: r.face
          .filter((x) => (x.boxScore ?? x.score) >= this.o.faceScore)
          .map((x) => ({ score: x.boxScore ?? x.score, box: box(x.box) })),
        persons: r.object
          .filter((x) => x.label === 'person' && x.score >= this.o.personScore)
          .map((x) => ({ score: x.score, box: box(x.box) })),
      };
    } finally {
      t.dispose();
    }
  }
}
