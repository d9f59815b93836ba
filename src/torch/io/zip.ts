// A reader for the zip archives torch.save writes (stored or deflated entries, zip64 included).
import { inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  read(): Uint8Array;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function readZip(buf: Uint8Array, source: string): Map<string, ZipEntry> {
  const fail = (why: string): never => {
    throw new Error(`${source}: not a readable zip archive (${why})`);
  };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (o: number): number => dv.getUint16(o, true);
  const u32 = (o: number): number => dv.getUint32(o, true);
  const u64 = (o: number): number => Number(dv.getBigUint64(o, true));
  let eocd = -1;
  for (let o = buf.byteLength - 22; o >= Math.max(0, buf.byteLength - 22 - 65535); o--) {
    if (u32(o) === EOCD) {
      eocd = o;
      break;
    }
  }
  if (eocd < 0) fail('no end-of-central-directory record; truncated?');
  let count = u16(eocd + 10);
  let cdOffset = u32(eocd + 16);
  if ((count === 0xffff || cdOffset === 0xffffffff) && eocd >= 20 && u32(eocd - 20) === EOCD64_LOCATOR) {
    const e64 = u64(eocd - 20 + 8);
    count = u64(e64 + 32);
    cdOffset = u64(e64 + 48);
  }
  const entries = new Map<string, ZipEntry>();
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.byteLength || u32(p) !== CENTRAL) fail(`central directory entry ${i} is damaged`);
    const method = u16(p + 10);
    let csize = u32(p + 20);
    let usize = u32(p + 24);
    const nlen = u16(p + 28);
    const elen = u16(p + 30);
    const clen = u16(p + 32);
    let local = u32(p + 42);
    const name = Buffer.from(buf.buffer, buf.byteOffset + p + 46, nlen).toString('utf8');
    // zip64: the real sizes and offset sit in extra field 0x0001, in this order, when saturated.
    let e = p + 46 + nlen;
    const eEnd = e + elen;
    while (e + 4 <= eEnd) {
      const id = u16(e);
      const sz = u16(e + 2);
      if (id === 1) {
        let q = e + 4;
        if (usize === 0xffffffff) {
          usize = u64(q);
          q += 8;
        }
        if (csize === 0xffffffff) {
          csize = u64(q);
          q += 8;
        }
        if (local === 0xffffffff) local = u64(q);
      }
      e += 4 + sz;
    }
    const lp = local;
    entries.set(name, {
      name,
      read(): Uint8Array {
        if (lp + 30 > buf.byteLength || u32(lp) !== LOCAL) fail(`entry ${name} is damaged`);
        const start = lp + 30 + u16(lp + 26) + u16(lp + 28);
        if (start + csize > buf.byteLength) fail(`entry ${name} runs past the end of the file; truncated?`);
        const raw = buf.subarray(start, start + csize);
        if (method === 0) return raw;
        if (method === 8) return inflateRawSync(raw);
        return fail(`entry ${name} uses compression method ${method}`);
      },
    });
    p += 46 + nlen + elen + clen;
  }
  return entries;
}
