// A checkpoint to an .onnx file: the network is rebuilt from the checkpoint, exported, and the
// file written atomically with the model's name, options and training size in its metadata.
// `veil serve` takes the bytes alone (it hands them to the browser and writes nothing).
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

/** The ONNX graph of the anonymizer checkpoint, in memory. */
export function checkpointOnnx(checkpoint: string): { bytes: Uint8Array; stride: number; model: string } {
  const { spec, net } = loadAnonymizer(checkpoint);
  try {
    const meta: Record<string, string> = {
      'veil.model': spec.model,
      'veil.options': JSON.stringify(spec.options),
    };
    if (spec.input) meta['veil.input'] = `${spec.input.height}x${spec.input.width}`;
    const { bytes, stride } = exportOnnx(net, meta);
    return { bytes, stride, model: spec.model };
  } finally {
    net.dispose();
  }
}

export function exportCheckpoint(checkpoint: string, output: string): ExportResult {
  const { bytes, stride, model } = checkpointOnnx(checkpoint);
  writeFileAtomic(output, [bytes]);
  return { checkpoint, output, model, bytes: bytes.byteLength, stride };
}
