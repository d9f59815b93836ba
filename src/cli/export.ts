// `veil export --onnx CKPT -o model.onnx`: an anonymizer checkpoint as an ONNX graph with its
// weights, for onnxruntime-node and onnxruntime-web.
import { parseArgs } from 'node:util';

import { exportCheckpoint } from '../deploy/onnx/checkpoint_export.js';

const USAGE = `usage: veil export --onnx CKPT -o model.onnx
  Writes the anonymizer f_A of CKPT (.safetensors, see src/deploy/checkpoint.ts) as ONNX
  (opset 13, input 'input' (N, 3, H, W) in [0, 1], H and W multiples of the stride it records).`;

export function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      onnx: { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return Promise.resolve(0);
  }
  if (!values.onnx || !values.output || positionals.length)
    throw new Error(`give --onnx CKPT and -o FILE\n${USAGE}`);
  const r = exportCheckpoint(values.onnx, values.output);
  console.log(JSON.stringify(r, null, 2));
  return Promise.resolve(0);
}
