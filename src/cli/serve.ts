// `veil serve`: the dashboard of a workspace's runs and the in-browser anonymizer, on a local web
// server (src/serve/). It runs until Ctrl-C (exit 130) or SIGTERM (143), closing its connections.
import { resolve } from 'node:path';

import { UsageError } from '../data/errors.js';
import { DEFAULT_MAX_BODY, startServer } from '../serve/server.js';
import { defineCommand, execute, WORKSPACE } from './flags.js';

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

export const command = defineCommand({
  name: 'serve',
  summary: "a local web dashboard of the workspace's runs, and f_A running in the browser",
  usage: '[options]',
  description:
    'Pages: Runs (the registry as a table), a run (its loss, RMS and validation curves while it trains,\n' +
    'its config and frame grid), Compare (chosen rows on the privacy-utility plot and as Table 1), and\n' +
    'Anonymize (a video file or the camera through an exported f_A with onnxruntime-web: the video never\n' +
    'leaves the browser). Read-only: the server writes nothing and serves nothing outside the workspace.',
  positionals: [],
  flags: [
    WORKSPACE,
    {
      name: 'port',
      short: 'p',
      type: 'int',
      min: 0,
      max: 65535,
      default: 8150,
      help: 'the TCP port (0: any free port)',
    },
    {
      name: 'host',
      type: 'string',
      default: '127.0.0.1',
      help: 'the address to listen on; anything but 127.0.0.1 or localhost lets other machines read the workspace',
    },
  ],
  async run({ values }) {
    const workspace = resolve(values.workspace);
    let server;
    try {
      server = await startServer({
        workspace,
        host: values.host,
        port: values.port,
        maxBody: DEFAULT_MAX_BODY,
      });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE')
        throw new UsageError(`port ${values.port} is in use (--port P, or 0 for any)`);
      if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
        throw new UsageError(`--host ${values.host}: not an address of this machine`);
      if (/no such workspace folder/.test((e as Error).message)) throw new UsageError((e as Error).message);
      throw e;
    }
    process.stdout.write(`veil serve: ${workspace} at ${server.url} (Ctrl-C stops)\n`);
    const signal = await new Promise<string>((done) => {
      process.once('SIGINT', () => done('SIGINT')).once('SIGTERM', () => done('SIGTERM'));
    });
    await server.close();
    process.stderr.write(`veil serve: stopped (${signal})\n`);
    return SIGNAL_EXIT[signal] as number;
  },
});

export const run = (argv: string[]): Promise<number> => execute(command, argv);
