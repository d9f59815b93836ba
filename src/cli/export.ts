// `veil export CKPT -o model.onnx`: an anonymizer checkpoint as an ONNX graph with its weights,
// for onnxruntime-node and onnxruntime-web.
import { UsageError } from '../data/errors.js';
import { exportCheckpoint } from '../deploy/onnx/checkpoint_export.js';
import { defineCommand, execute } from './flags.js';

export const command = defineCommand({
  name: 'export',
  summary: 'write an anonymizer checkpoint as an ONNX graph',
  usage: 'CKPT -o FILE',
  description:
    "Writes the anonymizer f_A of CKPT as ONNX (opset 13, input 'input' (N, 3, H, W) in [0, 1], H and W\n" +
    'multiples of the stride it records); prints a JSON summary.',
  positionals: [
    {
      name: 'CKPT',
      help: 'the f_A checkpoint (.safetensors whose metadata names the model)',
    },
  ],
  flags: [
    {
      name: 'output',
      short: 'o',
      type: 'string',
      required: true,
      placeholder: 'FILE',
      help: 'the .onnx file to write',
    },
    {
      name: 'onnx',
      type: 'string',
      placeholder: 'CKPT',
      help: 'the checkpoint, as a flag: the same as CKPT (the older spelling)',
    },
  ],
  async run({ values, positionals }) {
    const [pos] = positionals;
    if (pos !== undefined && values.onnx !== undefined)
      throw new UsageError('give the checkpoint once: CKPT or --onnx CKPT, not both');
    const ckpt = pos ?? values.onnx;
    if (ckpt === undefined) throw new UsageError('missing CKPT: the f_A checkpoint to export');
    const r = exportCheckpoint(ckpt, values.output);
    console.log(JSON.stringify(r, null, 2));
    return 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
