// ONNX export of the zoo's anonymizers, written from veil's own modules: each layer becomes its
// ONNX operator (batch norm folded into the convolution before it, as inference engines do),
// and each network's forward is mirrored by a function below. A network or layer without a
// rule is refused by name rather than exported wrongly.
import { UsageError } from '../../data/errors.js';
import { BasicBlock, isTemporal, UNet, UnetPlusPlus, type Network } from '../../models/index.js';
import { nn, type Tensor } from '../../torch/index.js';
import { OnnxGraph } from './graph.js';

const floats = (t: Tensor): Float32Array => {
  const d = t.data();
  if (!(d instanceof Float32Array)) throw new Error(`onnx export: expected float32 weights, got ${t.dtype}`);
  return d;
};

/** The convolution's weight and bias with a following batch norm folded in (float64 math). */
function folded(conv: nn.Conv2d, bn: nn.BatchNorm | null): { w: Float32Array; b: Float32Array | null } {
  const w = floats(conv.weight);
  const bias = conv.bias ? floats(conv.bias) : null;
  if (!bn) return { w, b: bias };
  const [gamma, beta, mean, variance] = [bn.weight, bn.bias, bn.running_mean, bn.running_var].map(floats) as [
    Float32Array,
    Float32Array,
    Float32Array,
    Float32Array,
  ];
  const out = gamma.length;
  const per = w.length / out;
  const fw = new Float32Array(w.length);
  const fb = new Float32Array(out);
  for (let c = 0; c < out; c++) {
    const k = (gamma[c] as number) / Math.sqrt((variance[c] as number) + bn.eps);
    for (let i = c * per; i < (c + 1) * per; i++) fw[i] = (w[i] as number) * k;
    fb[c] = ((bias ? (bias[c] as number) : 0) - (mean[c] as number)) * k + (beta[c] as number);
  }
  return { w: fw, b: fb };
}

/** Module classes of the zoo whose forward is their single child's (UNet's DoubleConv, Down, OutConv). */
const WRAPPERS = new Set(['DoubleConv', 'Down', 'OutConv']);

export class Exporter {
  constructor(readonly g: OnnxGraph) {}

  conv(conv: nn.Conv2d, bn: nn.BatchNorm | null, x: string): string {
    if (conv instanceof nn.ConvTranspose2d) throw new Error('onnx export: ConvTranspose2d has no rule yet');
    const { w, b } = folded(conv, bn);
    const inputs = [x, this.g.constant('w', w, conv.weight.shape)];
    if (b) inputs.push(this.g.constant('b', b, [b.length]));
    const [ph, pw] = conv.padding as [number, number];
    return this.g.node('Conv', inputs, {
      kernel_shape: conv.weight.shape.slice(2),
      strides: conv.stride,
      pads: [ph, pw, ph, pw],
      dilations: conv.dilation,
      group: conv.groups,
    });
  }

  maxPool(
    kernel: number | number[],
    stride: number | number[] | undefined,
    padding: number | number[],
    x: string,
  ): string {
    const two = (v: number | number[]): number[] => (Array.isArray(v) ? v : [v, v]);
    const k = two(kernel);
    const [ph, pw] = two(padding) as [number, number];
    return this.g.node('MaxPool', [x], {
      kernel_shape: k,
      strides: two(stride ?? k),
      pads: [ph, pw, ph, pw],
    });
  }

  /** x2 up-sampling: PyTorch's bilinear with align_corners, or its (floor) nearest. */
  upsample2x(x: string, mode: 'bilinear-align-corners' | 'nearest'): string {
    const scales = this.g.constant('scales', Float32Array.from([1, 1, 2, 2]), [4]);
    const attrs: Record<string, string> =
      mode === 'nearest'
        ? { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }
        : { mode: 'linear', coordinate_transformation_mode: 'align_corners' };
    return this.g.node('Resize', [x, '', scales], attrs);
  }

  concat(xs: string[]): string {
    return this.g.node('Concat', xs, { axis: 1 });
  }

  /** Any layer of the zoo's anonymizers, by its class. */
  layer(m: nn.Module, x: string): string {
    if (m instanceof nn.Sequential) {
      let y = x;
      const ls = m.layers;
      for (let i = 0; i < ls.length; i++) {
        const l = ls[i] as nn.Module;
        const next = ls[i + 1];
        if (l instanceof nn.Conv2d && next instanceof nn.BatchNorm) {
          y = this.conv(l, next, y);
          i++;
        } else y = this.layer(l, y);
      }
      return y;
    }
    if (m instanceof nn.Conv2d) return this.conv(m, null, x);
    if (m instanceof nn.BatchNorm) {
      const p = [m.weight, m.bias, m.running_mean, m.running_var].map((t, i) =>
        this.g.constant(['gamma', 'beta', 'mean', 'var'][i] as string, floats(t), t.shape),
      );
      return this.g.node('BatchNormalization', [x, ...p], { epsilon: { float: m.eps } });
    }
    if (m instanceof nn.ReLU) return this.g.node('Relu', [x]);
    if (m instanceof nn.Sigmoid) return this.g.node('Sigmoid', [x]);
    if (m instanceof nn.Identity) return x;
    if (m instanceof nn.MaxPool && m.dims === 2)
      return this.maxPool(m.kernel, m.opts.stride, m.opts.padding ?? 0, x);
    if (m instanceof BasicBlock) {
      const a = this.g.node('Relu', [this.conv(m.conv1, m.bn1, x)]);
      const branch = this.conv(m.conv2, m.bn2, a);
      const shortcut = m.downsample ? this.layer(m.downsample, x) : x;
      return this.g.node('Relu', [this.g.node('Add', [branch, shortcut])]);
    }
    const kids = m.namedChildren();
    if (WRAPPERS.has(m.constructor.name) && kids.length === 1)
      return this.layer((kids[0] as [string, nn.Module])[1], x);
    throw new Error(`onnx export: no rule for layer ${m.constructor.name}`);
  }
}

/** SPAct's UNet: four poolings down, four bilinear (align_corners) x2 steps up with skips. */
function unet(e: Exporter, net: UNet, x: string): string {
  const x1 = e.layer(net.inc, x);
  const x2 = e.layer(net.down1, x1);
  const x3 = e.layer(net.down2, x2);
  const x4 = e.layer(net.down3, x3);
  const x5 = e.layer(net.down4, x4);
  // Inputs are multiples of the stride, so the reference's pad-to-skip step is always empty.
  const up = (y: string, skip: string, block: UNet['up1']): string =>
    e.layer(block.conv, e.concat([skip, e.upsample2x(y, 'bilinear-align-corners')]));
  let y = up(x5, x4, net.up1);
  y = up(y, x3, net.up2);
  y = up(y, x2, net.up3);
  y = up(y, x1, net.up4);
  return e.g.node('Sigmoid', [e.layer(net.outc, y)]);
}

/** UNet++: the ResNet encoder's stages, then the nested decoder exactly as its forward walks it. */
function unetpp(e: Exporter, net: UnetPlusPlus, x: string): string {
  const enc = net.encoder;
  const depth = net.encoderDepth;
  const stem = e.g.node('Relu', [e.conv(enc.conv1, enc.bn1, x)]);
  const features = [x, stem];
  const layers = [enc.layer1, enc.layer2, enc.layer3, enc.layer4];
  let y = stem;
  for (let i = 0; i < depth - 1; i++) {
    if (i === 0) y = e.maxPool(3, 2, 1, y);
    for (const block of layers[i] as nn.Module[]) y = e.layer(block, y);
    features.push(y);
  }
  const f = features.slice(1).reverse();
  const dec = net.decoder;
  const block = (name: string, input: string, skip: string | null): string => {
    const b = dec.blocks.get(name);
    const up = e.upsample2x(input, 'nearest');
    const joined = skip ? e.concat([up, skip]) : up;
    return e.layer(b.conv2, e.layer(b.conv1, joined));
  };
  const dense = new Map<string, string>();
  const node = (d: number, l: number): string => dense.get(`x_${d}_${l}`) as string;
  for (let l = 0; l < dec.depth; l++) {
    for (let d = 0; d < dec.depth - l; d++) {
      if (l === 0) {
        dense.set(`x_${d}_${d}`, block(`x_${d}_${d}`, f[d] as string, f[d + 1] as string));
        continue;
      }
      const top = d + l;
      const parts: string[] = [];
      for (let i = d + 1; i <= top; i++) parts.push(node(i, top));
      dense.set(
        `x_${d}_${top}`,
        block(`x_${d}_${top}`, node(d, top - 1), e.concat([...parts, f[top + 1] as string])),
      );
    }
  }
  const out = e.layer(net.segmentation_head, block(`x_0_${dec.depth}`, node(0, dec.depth - 1), null));
  return net.useSigmoid ? e.g.node('Sigmoid', [out]) : out;
}

export interface OnnxExport {
  bytes: Uint8Array;
  /** H and W of the input must be multiples of this. */
  stride: number;
}

/** The ONNX ModelProto of an anonymizer of the zoo; `metadata` lands in its metadata_props. */
export function exportOnnx(net: Network, metadata: Record<string, string> = {}): OnnxExport {
  if (isTemporal(net))
    throw new UsageError(
      `onnx export: f_A '${net.origin?.model ?? net.constructor.name}' is motion-aware (each frame goes in with its ` +
        `difference to the frame ${net.gap} before); an exported graph takes loose frames (N, 3, H, W) and would ` +
        'feed it no motion, so it is not exported. Judge it with veil eval (which gives it whole videos).',
    );
  const g = new OnnxGraph();
  const e = new Exporter(g);
  let out: string;
  let stride: number;
  if (net instanceof UNet) {
    out = unet(e, net, 'input');
    stride = net.stride;
  } else if (net instanceof UnetPlusPlus) {
    out = unetpp(e, net, 'input');
    stride = net.stride;
  } else {
    throw new Error(`onnx export: no exporter for ${net.constructor.name} (anonymizers: UNet, UnetPlusPlus)`);
  }
  const output = g.node('Identity', [out], {}, 'output');
  const doc = 'veil anonymizer f_A: (N, 3, H, W) RGB in [0, 1] -> same; H and W multiples of veil.stride';
  const bytes = g.encode('input', output, { ...metadata, 'veil.stride': String(stride) }, doc);
  return { bytes, stride };
}
