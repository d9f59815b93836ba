// A minimal Matroska writer for one uncompressed RGBA video track. It is how anonymized frames
// reach the encoding ffmpeg together with the input's own timestamps: a raw pipe carries none
// (so variable frame rates would be lost), and RGBA is the one RGB layout ffmpeg's Matroska
// reader takes as V_UNCOMPRESSED. Timestamps are in nanoseconds (TimestampScale 1), so any
// source time base maps back exactly. One cluster per frame keeps the writer stateless.

/** A size as an 8-byte EBML variable-length integer (always 8 bytes: simple and valid). */
function size8(n: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  b[0] = (b[0] as number) | 0x01;
  return b;
}

function idBytes(id: number): Uint8Array {
  const hex = id.toString(16);
  return Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
}

function uint(n: number | bigint): Uint8Array {
  let hex = BigInt(n).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex');
}

/** One element: ID, size, payload (the payload as chunks, so frames are never copied). */
function element(id: number, ...payload: Uint8Array[]): Uint8Array[] {
  const len = payload.reduce((a, p) => a + p.byteLength, 0);
  return [idBytes(id), size8(len), ...payload];
}

const concat = (chunks: Uint8Array[]): Uint8Array => Buffer.concat(chunks);
const text = (s: string): Uint8Array => Buffer.from(s, 'utf8');

const ID = {
  EBML: 0x1a45dfa3,
  EBMLVersion: 0x4286,
  EBMLReadVersion: 0x42f7,
  EBMLMaxIDLength: 0x42f2,
  EBMLMaxSizeLength: 0x42f3,
  DocType: 0x4282,
  DocTypeVersion: 0x4287,
  DocTypeReadVersion: 0x4285,
  Segment: 0x18538067,
  Info: 0x1549a966,
  TimestampScale: 0x2ad7b1,
  MuxingApp: 0x4d80,
  WritingApp: 0x5741,
  Tracks: 0x1654ae6b,
  TrackEntry: 0xae,
  TrackNumber: 0xd7,
  TrackUID: 0x73c5,
  TrackType: 0x83,
  FlagLacing: 0x9c,
  CodecID: 0x86,
  Video: 0xe0,
  PixelWidth: 0xb0,
  PixelHeight: 0xba,
  ColourSpace: 0x2eb524,
  Cluster: 0x1f43b675,
  Timestamp: 0xe7,
  BlockGroup: 0xa0,
  Block: 0xa1,
  BlockDuration: 0x9b,
  DefaultDuration: 0x23e383,
};

/**
 * The stream header: EBML head, a Segment of unknown size (a stream), Info and the track. The
 * track's nominal frame duration (ns) gives the encoder a frame rate: without one, x264 assumes
 * 1e9 fps and MP4 gives a lone frame zero length, so it never decodes.
 */
export function mkvHeader(width: number, height: number, frameNs?: bigint): Uint8Array {
  const u = (id: number, v: number): Uint8Array => concat(element(id, uint(v)));
  const ebml = element(
    ID.EBML,
    u(ID.EBMLVersion, 1),
    u(ID.EBMLReadVersion, 1),
    u(ID.EBMLMaxIDLength, 4),
    u(ID.EBMLMaxSizeLength, 8),
    concat(element(ID.DocType, text('matroska'))),
    u(ID.DocTypeVersion, 4),
    u(ID.DocTypeReadVersion, 2),
  );
  const unknownSize = Uint8Array.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  const info = element(
    ID.Info,
    u(ID.TimestampScale, 1),
    concat(element(ID.MuxingApp, text('veil'))),
    concat(element(ID.WritingApp, text('veil'))),
  );
  const video = element(
    ID.Video,
    u(ID.PixelWidth, width),
    u(ID.PixelHeight, height),
    concat(element(ID.ColourSpace, text('RGBA'))),
  );
  const track = element(
    ID.TrackEntry,
    u(ID.TrackNumber, 1),
    u(ID.TrackUID, 1),
    u(ID.TrackType, 1),
    u(ID.FlagLacing, 0),
    ...(frameNs && frameNs > 0n ? [concat(element(ID.DefaultDuration, uint(frameNs)))] : []),
    concat(element(ID.CodecID, text('V_UNCOMPRESSED'))),
    concat(video),
  );
  return concat([...ebml, idBytes(ID.Segment), unknownSize, ...info, ...element(ID.Tracks, concat(track))]);
}

/** Track 1, timestamp 0 relative to its cluster, no flags. */
const BLOCK_HEAD = Uint8Array.from([0x81, 0x00, 0x00, 0x00]);

/**
 * One frame as a cluster at `ptsNs` (non-negative) lasting `durationNs`: the chunks to write, the
 * frame's bytes last and uncopied.
 */
export function mkvFrame(rgba: Uint8Array, ptsNs: bigint, durationNs: bigint | null): Uint8Array[] {
  const group = element(
    ID.BlockGroup,
    ...element(ID.Block, BLOCK_HEAD, rgba),
    ...(durationNs !== null && durationNs > 0n ? element(ID.BlockDuration, uint(durationNs)) : []),
  );
  return element(ID.Cluster, concat(element(ID.Timestamp, uint(ptsNs))), ...group);
}
