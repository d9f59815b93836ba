// Reading back what `veil export` records in an ONNX file's metadata_props (the model's name,
// options, training size and stride), so an .onnx file alone is enough for `veil anonymize`.
import { DataError } from '../../data/errors.js';
import { scanFields } from './protobuf.js';

const METADATA_PROPS = 14;

export function readOnnxMetadata(model: Uint8Array, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const f of scanFields(model)) {
      if (f.field !== METADATA_PROPS || !(f.value instanceof Uint8Array)) continue;
      let key = '';
      let value = '';
      for (const kv of scanFields(f.value)) {
        if (!(kv.value instanceof Uint8Array)) continue;
        if (kv.field === 1) key = Buffer.from(kv.value).toString('utf8');
        if (kv.field === 2) value = Buffer.from(kv.value).toString('utf8');
      }
      out[key] = value;
    }
  } catch (e) {
    throw new DataError(file, `not an ONNX model: ${(e as Error).message}`);
  }
  return out;
}
