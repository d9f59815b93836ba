// The paper's f_A: UNet++ on a ResNet-18 encoder, in the layout of segmentation_models_pytorch
// 0.3.3 (the version TeD-SPAD pins), so its checkpoints load by name: encoder.conv1,
// encoder.layer1.0.conv1, decoder.blocks.x_0_0.conv1.0, segmentation_head.0. Encoder depth 4,
// decoder channels 256-128-64-32, batch norm in the decoder, sigmoid output (the paper's figure).
import { cat, interpolate, nn, sigmoid, type Tensor } from '../torch/index.js';
import { kaimingUniformConvs, xavierUniform } from './init.js';
import { ModuleDict } from './module_dict.js';
import { checkInput, Network, pipe } from './network.js';
import { BasicBlock, ResNet } from './resnet.js';

/** smp's Conv2dReLU: Sequential(conv 3x3 without bias, BN, ReLU). */
const conv2dReLU = (cin: number, cout: number): nn.Sequential =>
  new nn.Sequential(
    new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false }),
    new nn.BatchNorm2d(cout),
    new nn.ReLU({ inplace: true }),
  );

/** Nearest x2 up-sampling, concatenation with the skip features, two Conv2dReLU. */
class DecoderBlock extends nn.Module {
  readonly conv1: nn.Sequential;
  readonly conv2: nn.Sequential;

  constructor(cin: number, skip: number, cout: number) {
    super();
    this.conv1 = conv2dReLU(cin + skip, cout);
    this.conv2 = conv2dReLU(cout, cout);
  }

  forward(x: Tensor, skip: Tensor | null = null): Tensor {
    const up = interpolate(x, { scaleFactor: 2, mode: 'nearest' });
    const joined = skip ? cat([up, skip], 1) : up;
    if (joined !== up) up.dispose();
    const y = pipe(joined, this.conv1, this.conv2);
    joined.dispose();
    return y;
  }
}

/**
 * The nested dense decoder. Node x_d_l (depth d, level l) up-samples x_d_(l-1) and joins every
 * x_i_l with i > d and the encoder feature one level finer; x_0_L alone has no skip.
 */
class UnetPlusPlusDecoder extends nn.Module {
  readonly blocks: ModuleDict<DecoderBlock>;
  readonly depth: number;

  constructor(encoderChannels: readonly number[], decoderChannels: readonly number[]) {
    super();
    const enc = encoderChannels.slice(1).reverse(); // deepest first, without the input itself
    const inCh = [enc[0] as number, ...decoderChannels.slice(0, -1)];
    const skipCh = [...enc.slice(1), 0];
    const entries: [string, DecoderBlock][] = [];
    const n = inCh.length - 1;
    for (let l = 0; l < n; l++) {
      for (let d = 0; d <= l; d++) {
        const skip = skipCh[l] as number;
        const block =
          d === 0
            ? new DecoderBlock(inCh[l] as number, skip * (l + 1), decoderChannels[l] as number)
            : new DecoderBlock(skipCh[l - 1] as number, skip * (l + 1 - d), skip);
        entries.push([`x_${d}_${l}`, block]);
      }
    }
    entries.push([`x_0_${n}`, new DecoderBlock(inCh[n] as number, 0, decoderChannels[n] as number)]);
    this.blocks = new ModuleDict(entries);
    this.depth = n;
  }

  /** `features` as the encoder gives them: the input first, then finer to coarser. */
  forward(features: Tensor[]): Tensor {
    const f = features.slice(1).reverse();
    const dense = new Map<string, Tensor>();
    const node = (d: number, l: number): Tensor => dense.get(`x_${d}_${l}`) as Tensor;
    for (let l = 0; l < this.depth; l++) {
      for (let d = 0; d < this.depth - l; d++) {
        const block = this.blocks.get(`x_${d}_${d + l}`);
        if (l === 0) {
          dense.set(`x_${d}_${d}`, block.forward(f[d] as Tensor, f[d + 1] as Tensor));
          continue;
        }
        const top = d + l;
        const parts: Tensor[] = [];
        for (let i = d + 1; i <= top; i++) parts.push(node(i, top));
        const skip = cat([...parts, f[top + 1] as Tensor], 1);
        dense.set(`x_${d}_${top}`, block.forward(node(d, top - 1), skip));
        skip.dispose();
      }
    }
    const out = this.blocks.get(`x_0_${this.depth}`).forward(node(0, this.depth - 1));
    for (const t of dense.values()) t.dispose();
    return out;
  }
}

export interface UnetPlusPlusConfig {
  /** Encoder stages used (3 to 5); one decoder channel count per stage. */
  encoderDepth?: number;
  decoderChannels?: readonly number[];
  /**
   * smp 0.3 keeps the encoder's layer4 even when depth 4 never runs it, so its checkpoints carry
   * layer4 weights; false drops them (8.4 M parameters fewer).
   */
  keepLayer4?: boolean;
  /** The paper's figure ends in a sigmoid; the released code forgot it (false reproduces that). */
  sigmoid?: boolean;
}

export class UnetPlusPlus extends Network {
  readonly kind = 'anonymizer';
  readonly encoder: ResNet;
  readonly decoder: UnetPlusPlusDecoder;
  readonly segmentation_head: nn.Sequential;
  readonly encoderDepth: number;
  readonly useSigmoid: boolean;

  constructor(c: UnetPlusPlusConfig = {}) {
    super();
    const depth = c.encoderDepth ?? 4;
    const channels = c.decoderChannels ?? [256, 128, 64, 32, 16].slice(0, depth);
    if (!Number.isInteger(depth) || depth < 3 || depth > 5) {
      throw new Error(`unetpp: encoderDepth must be 3, 4 or 5, got ${depth}`);
    }
    if (channels.length !== depth) {
      throw new Error(
        `unetpp: encoderDepth ${depth} needs ${depth} decoder channels, got [${channels.join(', ')}]`,
      );
    }
    this.encoder = new ResNet({
      block: BasicBlock,
      layers: [2, 2, 2, 2],
      layer4: depth === 5 || c.keepLayer4 !== false,
    });
    this.decoder = new UnetPlusPlusDecoder(this.encoder.channels.slice(0, depth + 1), channels);
    const head = new nn.Conv2d(channels[depth - 1] as number, 3, 3, { padding: 1 });
    // smp's head is Sequential(conv, upsampling, activation); the last two are identities here.
    this.segmentation_head = new nn.Sequential(head, new nn.Identity(), new nn.Identity());
    this.encoderDepth = depth;
    this.useSigmoid = c.sigmoid ?? true;
    kaimingUniformConvs(this.decoder);
    xavierUniform(head);
  }

  /** H and W must be multiples of this. */
  get stride(): number {
    return 2 ** this.encoderDepth;
  }

  forward(x: Tensor): Tensor {
    checkInput(x, 4, 'unetpp', this.stride);
    const features = this.encoder.stages(x, this.encoderDepth);
    const decoded = this.decoder.forward(features);
    for (const f of features.slice(1)) f.dispose();
    const y = pipe(decoded, this.segmentation_head, ...(this.useSigmoid ? [sigmoid] : []));
    decoded.dispose();
    return y;
  }
}
