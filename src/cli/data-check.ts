// `veil data check <dir>`: lists every broken list entry, unreadable, empty or truncated video
// and undecodable image of a dataset folder, before a training run meets them.
import { parseArgs } from 'node:util';

import { checkDataset } from '../data/check.js';
import { Progress } from '../data/progress.js';

const USAGE = `usage: veil data check <dir> [--deep] [--json]
  Finds the dataset layouts under <dir> (UCF101, HMDB51, PA-HMDB51, VISPR, CSV manifests, class
  folders), reads every split, probes every video and decodes every image. --deep also decodes
  every video frame. Exits 1 when anything is wrong; --json prints the report as JSON.`;

export async function run(argv: string[]): Promise<number> {
  let dir: string;
  let deep: boolean;
  let json: boolean;
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        deep: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new Error('give exactly one folder');
    dir = positionals[0] as string;
    deep = values.deep ?? false;
    json = values.json ?? false;
  } catch (e) {
    console.error(`veil data check: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  let bar: Progress | null = null;
  const report = await checkDataset(dir, {
    deep,
    onStart: (n) => (bar = new Progress(n, { label: 'checking', unit: 'files' })),
    onFile: () => bar?.tick(),
  });
  (bar as Progress | null)?.finish();
  if (json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    for (const l of report.layouts) console.log(`found ${l.kind} at ${l.file ?? l.root}`);
    console.log(`${report.videos} videos, ${report.images} images checked`);
    for (const p of report.problems)
      console.log(`${p.kind.toUpperCase().padEnd(10)} ${p.file}: ${p.message}`);
    console.log(
      report.problems.length === 0 ? 'no problems found' : `${report.problems.length} problems found`,
    );
  }
  return report.problems.length === 0 ? 0 : 1;
}
