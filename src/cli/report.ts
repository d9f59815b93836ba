// `veil report`: the table, plots and HTML page of an experiment's results.json.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { writeReport } from '../eval/report/index.js';
import { tableMarkdown } from '../eval/report/table.js';

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      workspace: { type: 'string', default: 'veil-demo' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(
      'usage: veil report [--workspace DIR] [--out DIR]   (reads DIR/results.json; writes DIR/report)',
    );
    return 0;
  }
  const ws = resolve(values.workspace);
  const r = await writeReport(join(ws, 'results.json'), resolve(values.out ?? join(ws, 'report')));
  console.log(tableMarkdown(r.rows));
  console.log(`wrote ${r.markdown}, ${r.json}, ${r.html} and ${r.plots.length} plot files`);
  return 0;
}
