// `veil engine`: what the tensor engine runs on (libtorch build, threads, devices).
import * as T from '../torch/index.js';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log(
      'usage: veil engine [--config]   print libtorch version, threads and devices (--config: full build info)',
    );
    return 0;
  }
  const unknown = argv.filter((a) => a !== '--config');
  if (unknown.length) throw new Error(`unknown option '${unknown[0]}'`);
  const info = T.engineInfo();
  console.log(`libtorch ${info.torchVersion}`);
  console.log(`threads  ${T.getNumThreads()} (set VEIL_THREADS to change)`);
  console.log(`cuda     ${T.cudaAvailable() ? `${T.cudaDeviceCount()} device(s)` : 'not available'}`);
  if (argv.includes('--config')) console.log(`\n${info.config}\n${info.parallel}`);
  return 0;
}
