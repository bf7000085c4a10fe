/**
 * `insaneres` — the command line (DESIGN §5). Exit 0 on success, 2 with one line on bad input, 1 when
 * something failed while running.
 */
import { UsageError } from './cli/args';
import { img2imgCommand } from './cli/img2img-command';

const USAGE = `usage: insaneres <command> [flags]
  serve            run the HTTP server for the panel (127.0.0.1:7860)
  img2img          refine one PNG with DDIM img2img
  upscale          enlarge a PNG and re-detail it tile by tile
  make-tiny-model  write the tiny random-weight test model to a folder
See README.md for every flag.`;

type Command = (args: string[]) => Promise<number>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  img2img: async () => img2imgCommand,
  serve: async () => (await import('./serve-cli')).serveCommand,
  upscale: async () => (await import('./cli/upscale-command')).upscaleCommand,
  'make-tiny-model': async () => (await import('./cli/make-tiny-model-command')).makeTinyModelCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`insaneres: unknown command '${name}'; accepted: ${Object.keys(COMMANDS).join(', ')}\n`);
    return 2;
  }
  try {
    return await (await load())(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`insaneres ${name}: ${err.message}\n`);
      return 2;
    }
    const e = err as { code?: string; message?: string };
    process.stderr.write(`insaneres ${name} failed: ${e.message ?? String(err)}${e.code ? ` [${e.code}]` : ''}\n`);
    return 1;
  }
}
