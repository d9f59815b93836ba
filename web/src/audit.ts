// The Audit on the Anonymize page: the detector `veil anonymize --audit` uses (@vladmandic/human's
// face and object detectors, tfjs on WebAssembly; its settings and score thresholds come from the
// server, so both audits judge alike), run in the page on the original and the anonymized frames.
// Its files (the browser build, the models, tfjs's .wasm) are served from node_modules.
import type { Config, Human } from '@vladmandic/human';

import { getJson } from './api.js';

const HUMAN_URL = '/vendor/human/human.esm.js';

export interface Found {
  faces: number[];
  persons: number[];
}

interface Settings {
  config: Partial<Config>;
  faceScore: number;
  personScore: number;
}

let loaded: Promise<{ human: Human; s: Settings }> | null = null;

function load(): Promise<{ human: Human; s: Settings }> {
  loaded ??= (async () => {
    const s = await getJson<Settings>('/api/audit');
    const mod = (await import(HUMAN_URL)) as { Human: new (c: Partial<Config>) => Human };
    const human = new mod.Human({
      ...s.config,
      backend: 'wasm',
      wasmPath: '/vendor/tfjs-wasm/',
      modelBasePath: '/vendor/human-models/',
    });
    // tfjs's threaded WebAssembly starts its workers from blob: scripts that cannot load in a
    // cross-origin isolated page (which onnxruntime-web's threads need): one thread is enough here.
    (human.tf as { env(): { set(flag: string, value: boolean): void } })
      .env()
      .set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    await human.load();
    return { human, s };
  })();
  return loaded;
}

/** Faces' and people's scores in a picture. */
export async function detect(picture: HTMLCanvasElement): Promise<Found> {
  const { human, s } = await load();
  const r = await human.detect(picture);
  return {
    faces: r.face.map((f) => f.boxScore ?? f.score).filter((x) => x >= s.faceScore),
    persons: r.object.filter((o) => o.label === 'person' && o.score >= s.personScore).map((o) => o.score),
  };
}

/** n frame indices spread evenly over `count` frames, each the middle of its stretch (as the CLI's audit). */
export function sampleFrames(count: number, n: number): number[] {
  const k = Math.min(n, count);
  return [...new Set(Array.from({ length: k }, (_, i) => Math.floor(((i + 0.5) * count) / k)))];
}
