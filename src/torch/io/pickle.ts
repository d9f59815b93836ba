// A small pickle machine for PyTorch checkpoints: enough of the protocol (0-5 opcodes that
// torch.save emits) to rebuild dicts, lists, tuples, numbers, strings and tensors. Classes are
// never instantiated: only a fixed allow-list of globals is understood, so a checkpoint cannot
// run code (unlike Python's pickle.load).

export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyValue[]
  | PyTuple
  | PyDict
  | PyGlobal
  | PyOpaque
  | PyForeign;

/** A value made by a hook (a tensor), carried through the machine untouched. */
export class PyForeign {
  constructor(readonly value: unknown) {}
}
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}
export class PyDict {
  readonly map = new Map<PyValue, PyValue>();
}
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}
/** What a REDUCE or BUILD made: resolved by the caller's `reduce` hook, or kept opaque. */
export class PyOpaque {
  constructor(
    readonly fn: PyGlobal,
    readonly args: PyValue[],
    public state: PyValue = null,
  ) {}
}

export interface PickleHooks {
  persistentLoad(pid: PyValue): PyValue;
  /** Returns a value for fn(*args), or undefined to keep it as PyOpaque. */
  reduce(fn: PyGlobal, args: PyValue[]): PyValue | undefined;
}

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

export function unpickle(data: Uint8Array, hooks: PickleHooks, source: string): PyValue {
  return unpickleAt(data, hooks, source, 0).value;
}

/** One pickle starting at byte `start`, and the byte after its STOP (the legacy torch.save format chains several). */
export function unpickleAt(
  data: Uint8Array,
  hooks: PickleHooks,
  source: string,
  start: number,
): { value: PyValue; end: number } {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const stack: Slot[] = [];
  const memo = new Map<number, PyValue>();
  let p = start;
  const fail = (why: string): never => {
    throw new Error(`${source}: cannot unpickle (${why} at byte ${p})`);
  };
  const need = (n: number): void => {
    if (p + n > data.byteLength) fail('unexpected end of data');
  };
  const u8 = (): number => (need(1), data[p++] as number);
  const u16 = (): number => (need(2), (p += 2), dv.getUint16(p - 2, true));
  const i32 = (): number => (need(4), (p += 4), dv.getInt32(p - 4, true));
  const u32 = (): number => (need(4), (p += 4), dv.getUint32(p - 4, true));
  const u64 = (): number => (need(8), (p += 8), Number(dv.getBigUint64(p - 8, true)));
  const bytes = (n: number): Uint8Array => (need(n), (p += n), data.subarray(p - n, p));
  const str = (n: number): string => Buffer.from(bytes(n)).toString('utf8');
  const line = (): string => {
    const e = data.indexOf(0x0a, p);
    if (e < 0) fail('unterminated line');
    const s = Buffer.from(data.subarray(p, e)).toString('latin1');
    p = e + 1;
    return s;
  };
  const pop = (): PyValue => {
    const v = stack.pop();
    if (v === undefined || v === MARK) return fail('stack underflow');
    return v;
  };
  const popMark = (): PyValue[] => {
    const items: PyValue[] = [];
    for (;;) {
      const v = stack.pop();
      if (v === undefined) return fail('no mark');
      if (v === MARK) return items.reverse();
      items.push(v);
    }
  };
  const top = (): PyValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('empty stack');
    return v;
  };
  const setItems = (target: PyValue, kv: PyValue[]): void => {
    if (!(target instanceof PyDict)) return fail('SETITEMS on a non-dict');
    for (let i = 0; i + 1 < kv.length; i += 2) target.map.set(kv[i] as PyValue, kv[i + 1] as PyValue);
  };
  const longLE = (b: Uint8Array): number | bigint => {
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
    if (b.length && (b[b.length - 1] as number) & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const opcode = u8();
    switch (opcode) {
      case 0x80: // PROTO
        u8();
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: p };
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x8a: // LONG1
        stack.push(longLE(bytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(longLE(bytes(u32())));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8);
        stack.push(dv.getFloat64(p, false));
        p += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(str(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(str(u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(str(u64()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(Buffer.from(bytes(u8())).toString('latin1'));
        break;
      case 0x54: // BINSTRING
        stack.push(Buffer.from(bytes(u32())).toString('latin1'));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(bytes(u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(bytes(u32()));
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: {
        // LONG_BINGET
        const k = opcode === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`memo ${k} unset`);
        stack.push(memo.get(k) as PyValue);
        break;
      }
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        const l = top();
        if (!Array.isArray(l)) fail('APPEND on a non-list');
        (l as PyValue[]).push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        if (!Array.isArray(l)) fail('APPENDS on a non-list');
        (l as PyValue[]).push(...items);
        break;
      }
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const kv = popMark();
        setItems(top(), kv);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(new PyGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        stack.push(new PyGlobal(String(module), String(name)));
        break;
      }
      case 0x51: // BINPERSID
        stack.push(hooks.persistentLoad(pop()));
        break;
      case 0x52: // REDUCE
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal)) fail('REDUCE of a non-global');
        const a = args instanceof PyTuple ? args.items : [];
        const v = hooks.reduce(fn as PyGlobal, a);
        stack.push(v === undefined ? new PyOpaque(fn as PyGlobal, a) : v);
        break;
      }
      case 0x62: {
        // BUILD: set state. Dicts (OrderedDict's `_metadata`) keep their items; others record it.
        const state = pop();
        const obj = top();
        if (obj instanceof PyOpaque) obj.state = state;
        break;
      }
      default:
        fail(`unsupported opcode 0x${opcode.toString(16)}`);
    }
  }
}
