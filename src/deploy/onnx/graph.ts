// An ONNX graph under construction and its serialisation as a ModelProto (IR 7, opset 13): nodes
// in topological order, weights as float32 initializers, a dynamic (N, 3, H, W) input. Field
// numbers are those of onnx/onnx.proto.
import { Message } from './protobuf.js';

export const OPSET = 13;
const IR_VERSION = 7;
const FLOAT = 1;
const INT64 = 7;

/** int, string, ints, or float. */
type Attr = number | string | readonly number[] | { float: number };

export class OnnxGraph {
  private readonly nodes: Message[] = [];
  private readonly initializers: Message[] = [];
  private counter = 0;

  /** A fresh value name with a readable stem. */
  fresh(stem: string): string {
    return `${stem}_${this.counter++}`;
  }

  /** A float32 or int64 constant as an initializer; returns its name. */
  constant(stem: string, values: Float32Array | BigInt64Array, dims: readonly number[]): string {
    const name = this.fresh(stem);
    const t = new Message()
      .ints(1, dims)
      .int(2, values instanceof Float32Array ? FLOAT : INT64)
      .string(8, name);
    t.bytes(9, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
    this.initializers.push(t);
    return name;
  }

  /** Adds a node; returns the name of its (single) output. */
  node(op: string, inputs: readonly string[], attrs: Record<string, Attr> = {}, name?: string): string {
    const out = name ?? this.fresh(op.toLowerCase());
    const n = new Message();
    for (const i of inputs) n.string(1, i);
    n.string(2, out).string(3, `${out}_node`).string(4, op);
    for (const [k, v] of Object.entries(attrs)) n.message(5, attribute(k, v));
    this.nodes.push(n);
    return out;
  }

  /** The ModelProto bytes: `input` (N, 3, H, W) float32 in, `output` out. */
  encode(input: string, output: string, metadata: Record<string, string>, doc: string): Uint8Array {
    const g = new Message();
    for (const n of this.nodes) g.message(1, n);
    g.string(2, 'veil_anonymizer');
    for (const t of this.initializers) g.message(5, t);
    g.string(10, doc);
    g.message(11, valueInfo(input));
    g.message(12, valueInfo(output));
    const m = new Message().int(1, IR_VERSION).string(2, 'veil').string(3, '0.1.0');
    m.message(7, g);
    m.message(8, new Message().string(1, '').int(2, OPSET));
    for (const [k, v] of Object.entries(metadata)) m.message(14, new Message().string(1, k).string(2, v));
    return m.encode();
  }
}

function attribute(name: string, v: Attr): Message {
  const a = new Message().string(1, name);
  if (typeof v === 'number') return a.int(3, v).int(20, 2); // INT
  if (typeof v === 'string') return a.bytes(4, Buffer.from(v, 'utf8')).int(20, 3); // STRING
  if ('float' in v) return a.float(2, v.float).int(20, 1); // FLOAT
  return a.ints(8, v).int(20, 7); // INTS
}

/** A float32 tensor value of shape (N, 3, H, W) with symbolic N, H, W. */
function valueInfo(name: string): Message {
  const shape = new Message();
  for (const d of ['N', 3, 'H', 'W']) {
    shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  }
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}
