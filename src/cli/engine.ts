// `veil engine`: what the tensor engine runs on (libtorch build, threads, devices).
import * as T from '../torch/index.js';
import { defineCommand, execute, JSON_OUT } from './flags.js';

export const command = defineCommand({
  name: 'engine',
  summary: 'print the libtorch build, threads and devices veil runs on',
  usage: '[options]',
  positionals: [],
  flags: [
    { name: 'config', type: 'boolean', help: "also print libtorch's full build and parallelism info" },
    JSON_OUT,
  ],
  async run({ values }) {
    const info = T.engineInfo();
    const cuda = T.cudaAvailable() ? T.cudaDeviceCount() : 0;
    if (values.json) {
      const out = {
        torchVersion: info.torchVersion,
        threads: T.getNumThreads(),
        maxThreads: T.maxThreads(),
        cudaDevices: cuda,
        ...(values.config ? { config: info.config, parallel: info.parallel } : {}),
      };
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return 0;
    }
    console.log(`libtorch ${info.torchVersion}`);
    console.log(`threads  ${T.getNumThreads()} (set VEIL_THREADS to change)`);
    console.log(`cuda     ${cuda ? `${cuda} device(s)` : 'not available'}`);
    if (values.config) console.log(`\n${info.config}\n${info.parallel}`);
    return 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
