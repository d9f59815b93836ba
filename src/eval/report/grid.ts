// The paper's Figure 2: the same test frames raw and through every anonymizer, one row each,
// scaled up with nearest-neighbour sampling so the pixels stay honest; row names on the left.
import sharp from 'sharp';

export interface GridRow {
  name: string;
  /** H*W*3 RGB bytes, one per column. */
  frames: Uint8Array[];
}

export async function writeFrameGrid(
  file: string,
  rows: readonly GridRow[],
  w: number,
  h: number,
  scale = 3,
) {
  const cols = Math.max(...rows.map((r) => r.frames.length));
  const label = 200;
  const pad = 4;
  const cw = w * scale;
  const ch = h * scale;
  const W = label + cols * (cw + pad) + pad;
  const H = rows.length * (ch + pad) + pad;
  const tiles: sharp.OverlayOptions[] = [];
  for (const [r, row] of rows.entries()) {
    for (const [k, f] of row.frames.entries()) {
      const input = await sharp(Buffer.from(f), { raw: { width: w, height: h, channels: 3 } })
        .resize(cw, ch, { kernel: 'nearest' })
        .png()
        .toBuffer();
      tiles.push({ input, left: label + pad + k * (cw + pad), top: pad + r * (ch + pad) });
    }
  }
  const text = rows
    .map(
      (row, r) =>
        `<text x="8" y="${pad + r * (ch + pad) + ch / 2 + 5}" font-family="DejaVu Sans, Arial, sans-serif" font-size="14">${row.name.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</text>`,
    )
    .join('');
  tiles.unshift({
    input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${text}</svg>`),
    left: 0,
    top: 0,
  });
  await sharp({ create: { width: W, height: H, channels: 3, background: '#ffffff' } })
    .composite(tiles)
    .png()
    .toFile(file);
}
