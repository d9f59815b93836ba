// Just enough protocol buffers to write (and scan) ONNX files: varints, length-delimited fields
// and nested messages. A message is kept as a list of chunks with its length, so megabytes of
// weights are never copied until the file is assembled.

const WIRE_VARINT = 0;
const WIRE_I64 = 1;
const WIRE_I32 = 5;
const WIRE_LEN = 2;

function varint(v: number | bigint): Uint8Array {
  let n = BigInt.asUintN(64, BigInt(v)); // negatives as two's complement, as protobuf's int64
  const out: number[] = [];
  while (n >= 0x80n) {
    out.push(Number(n & 0x7fn) | 0x80);
    n >>= 7n;
  }
  out.push(Number(n));
  return Uint8Array.from(out);
}

const tag = (field: number, wire: number): Uint8Array => varint((field << 3) | wire);

export class Message {
  readonly chunks: Uint8Array[] = [];
  length = 0;

  private push(...cs: Uint8Array[]): this {
    for (const c of cs) {
      this.chunks.push(c);
      this.length += c.byteLength;
    }
    return this;
  }

  int(field: number, v: number | bigint): this {
    return this.push(tag(field, WIRE_VARINT), varint(v));
  }

  float(field: number, v: number): this {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    return this.push(tag(field, WIRE_I32), b);
  }

  double(field: number, v: number): this {
    const b = Buffer.alloc(8);
    b.writeDoubleLE(v);
    return this.push(tag(field, WIRE_I64), b);
  }

  bytes(field: number, b: Uint8Array): this {
    return this.push(tag(field, WIRE_LEN), varint(b.byteLength), b);
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'));
  }

  message(field: number, m: Message): this {
    return this.push(tag(field, WIRE_LEN), varint(m.length), ...m.chunks);
  }

  /** A packed repeated int64 field. */
  ints(field: number, vs: readonly (number | bigint)[]): this {
    const packed = Buffer.concat(vs.map((v) => varint(v)));
    return this.bytes(field, packed);
  }

  encode(): Uint8Array {
    return Buffer.concat(this.chunks);
  }
}

export interface Field {
  field: number;
  wire: number;
  /** Varint value, or the bytes of a length-delimited field. */
  value: bigint | Uint8Array;
}

function readVarint(buf: Uint8Array, at: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[at++];
    if (b === undefined) throw new Error('protobuf: truncated varint');
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return [v, at];
    shift += 7n;
  }
}

/** The top-level fields of a message, in order (nested messages are left as bytes). */
export function scanFields(buf: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < buf.byteLength) {
    const [key, next] = readVarint(buf, at);
    at = next;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === WIRE_VARINT) {
      const [v, n] = readVarint(buf, at);
      out.push({ field, wire, value: v });
      at = n;
    } else if (wire === WIRE_LEN) {
      const [len, n] = readVarint(buf, at);
      const end = n + Number(len);
      if (end > buf.byteLength) throw new Error('protobuf: truncated field');
      out.push({ field, wire, value: buf.subarray(n, end) });
      at = end;
    } else if (wire === WIRE_I32) {
      out.push({ field, wire, value: buf.subarray(at, at + 4) });
      at += 4;
    } else if (wire === 1) {
      out.push({ field, wire, value: buf.subarray(at, at + 8) });
      at += 8;
    } else {
      throw new Error(`protobuf: unsupported wire type ${wire}`);
    }
  }
  return out;
}
