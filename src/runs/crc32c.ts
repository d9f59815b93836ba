// CRC-32C (Castagnoli), the checksum TensorFlow's record files use; the common CRC-32 of zlib
// uses another polynomial and would give files TensorBoard rejects. One byte at a time through a
// 256-entry table: event records are small, so slicing-by-8 would buy nothing worth its size.

const POLY = 0x82f63b78; // 0x1EDC6F41 bit-reversed, as the CRC is computed least significant bit first

const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = (TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  return (crc ^ 0xffffffff) >>> 0;
}

/**
 * TensorFlow stores CRCs rotated and offset, because a CRC computed over data that itself
 * embeds CRCs is weak; readers and writers of event files must both apply it.
 */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + 0xa282ead8) >>> 0;
}

export const maskedCrc32c = (data: Uint8Array): number => maskCrc(crc32c(data));
