// `veil data check DIR`: lists every broken list entry, unreadable, empty or truncated video
// and undecodable image of a dataset folder, before a training run meets them.
import { checkDataset } from '../data/check.js';
import { Progress } from '../data/progress.js';
import { defineCommand, execute, JSON_OUT, QUIET } from './flags.js';

export const command = defineCommand({
  name: 'data check',
  summary: 'scan a dataset folder for unreadable or empty videos',
  usage: 'DIR [options]',
  description:
    'Finds the dataset layouts under DIR (UCF101, HMDB51, PA-HMDB51, VISPR, CSV manifests, class\n' +
    'folders), reads every split, probes every video and decodes every image. Exits 1 when anything is wrong.',
  positionals: [{ name: 'DIR', required: true, help: 'the dataset folder' }],
  flags: [{ name: 'deep', type: 'boolean', help: 'also decode every frame of every video' }, JSON_OUT, QUIET],
  async run({ values, positionals }) {
    let bar: Progress | null = null;
    const report = await checkDataset(positionals[0] as string, {
      deep: values.deep,
      onStart: (n) => {
        if (!values.quiet) bar = new Progress(n, { label: 'checking', unit: 'files' });
      },
      onFile: () => bar?.tick(),
    });
    (bar as Progress | null)?.finish();
    if (values.json) {
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
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
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
