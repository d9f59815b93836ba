// `veil report`: the table, plots and HTML page of an experiment's results.json.
import { join, resolve } from 'node:path';

import { writeReport } from '../eval/report/index.js';
import { tableMarkdown } from '../eval/report/table.js';
import { defineCommand, execute, WORKSPACE } from './flags.js';

export const command = defineCommand({
  name: 'report',
  summary: 'Table 1, privacy-utility plot, loss curves, frames and an HTML page from results.json',
  usage: '[options]',
  description: "Reads <workspace>/results.json (veil demo writes it); prints the table and the files' names.",
  positionals: [],
  flags: [
    WORKSPACE,
    {
      name: 'output',
      short: 'o',
      type: 'string',
      placeholder: 'DIR',
      defaultText: '<workspace>/report',
      help: 'where report.md, table.json, index.html and the plots go',
    },
  ],
  async run({ values }) {
    const ws = resolve(values.workspace);
    const r = await writeReport(join(ws, 'results.json'), resolve(values.output ?? join(ws, 'report')));
    console.log(tableMarkdown(r.rows));
    console.log(`wrote ${r.markdown}, ${r.json}, ${r.html} and ${r.plots.length} plot files`);
    return 0;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
