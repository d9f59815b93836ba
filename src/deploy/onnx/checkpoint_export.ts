// A checkpoint to an .onnx file: the network is rebuilt from the checkpoint, exported, and the
// file written atomically with the model's name, options and training size in its metadata.
import { writeFileAtomic } from '../../torch/index.js';
import { loadAnonymizer } from '../../models/index.js';
import { exportOnnx } from './export.js';

export interface ExportResult {
  checkpoint: string;
  output: string;
  model: string;
  bytes: number;
  stride: number;
}

export function exportCheckpoint(checkpoint: string, output: string): ExportResult {
  const { spec, net } = loadAnonymizer(checkpoint);
  try {
    const meta: Record<string, string> = {
      'veil.model': spec.model,
      'veil.options': JSON.stringify(spec.options),
    };
    if (spec.input) meta['veil.input'] = `${spec.input.height}x${spec.input.width}`;
    const { bytes, stride } = exportOnnx(net, meta);
    writeFileAtomic(output, [bytes]);
    return { checkpoint, output, model: spec.model, bytes: bytes.byteLength, stride };
  } finally {
    net.dispose();
  }
}
