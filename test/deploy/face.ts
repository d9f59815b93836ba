// A photo with one face that ships in an npm package, for the audit's tests: the second
// thumbnail of @vladmandic/human's assets/samples.jpg (one woman, face to the camera), 150x160.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import sharp from 'sharp';

export const FACE = { width: 150, height: 160 };

export async function facePhoto(file: string): Promise<void> {
  const pkg = dirname(createRequire(import.meta.url).resolve('@vladmandic/human'));
  await sharp(join(pkg, '..', 'assets', 'samples.jpg'))
    .extract({ left: 165, top: 0, ...FACE })
    .png()
    .toFile(file);
}
