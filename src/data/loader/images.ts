// Batches of privacy images as float32 tensors (N, 3, H, W) in [0, 1]: two augmented views per
// image for NT-Xent ('pair'), one augmented view ('train', the attacker's training), or a centre
// crop ('eval'); with the images' attribute labels as float32 (N, A) when they have any.
import * as T from '../../torch/index.js';
import { type AugmentConfig, VIEW_AUGMENT } from '../augment.js';
import { BatchLoader, concat, type LoaderOptions } from './batches.js';
import type { ImageSource, ImageTask, TaskResult } from './tasks.js';

export interface ImageItem {
  source: ImageSource;
  labels?: Uint8Array;
}

export interface ImageLoaderOptions extends LoaderOptions {
  mode?: 'pair' | 'train' | 'eval';
  size?: number | { width: number; height: number };
  testCrop?: number;
  decodeShortSide?: number;
  augment?: Partial<AugmentConfig>;
}

export interface ImageBatch {
  x: T.Tensor;
  /** The second views, in 'pair' mode. */
  x2: T.Tensor | null;
  labels: T.Tensor | null;
  index: Int32Array;
}

export class ImageLoader extends BatchLoader<ImageItem, ImageBatch> {
  private readonly shape: Omit<ImageTask, 'source' | 'key'>;

  constructor(items: readonly ImageItem[], o: ImageLoaderOptions) {
    const mode = o.mode ?? 'pair';
    super(items, o, mode !== 'eval');
    const size = o.size ?? 112;
    const { width, height } = typeof size === 'number' ? { width: size, height: size } : size;
    this.shape = {
      kind: 'image',
      mode,
      width,
      height,
      testCrop: o.testCrop ?? 0.8,
      shortSide: o.decodeShortSide ?? Math.round((Math.max(width, height) * 8) / 7),
      augment: { ...VIEW_AUGMENT, ...o.augment },
    };
  }

  protected task(item: ImageItem, key: number[]): ImageTask {
    return { ...this.shape, source: item.source, key };
  }

  protected assemble(results: TaskResult[], items: ImageItem[], index: Int32Array): ImageBatch {
    const { width, height } = this.shape;
    const shape = [items.length, 3, height, width];
    const x = T.tensor(concat(results.map((r) => r.data[0] as Float32Array)), shape);
    const x2 =
      this.shape.mode === 'pair'
        ? T.tensor(concat(results.map((r) => r.data[1] as Float32Array)), shape)
        : null;
    const a = items[0]?.labels?.length ?? 0;
    let labels: T.Tensor | null = null;
    if (a > 0) {
      const y = new Float32Array(items.length * a);
      items.forEach((it, k) => {
        if (it.labels?.length !== a)
          throw new Error(`loader: item ${index[k]} has ${it.labels?.length ?? 0} labels, not ${a}`);
        y.set(it.labels, k * a);
      });
      labels = T.tensor(y, [items.length, a]);
    }
    return { x, x2, labels, index };
  }
}
