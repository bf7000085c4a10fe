/**
 * `insaneres` — the command line (DESIGN §5). Exit 0 on success, 2 with one line on bad input, 1 when
 * something failed while running.
 */
import { UsageError } from './cli/args';
import { img2imgCommand } from './cli/img2img-command';
import { COMMAND_USAGE, wantsHelp } from './cli/usage';

const USAGE = `usage: insaneres <command> [flags]
  serve            run the HTTP server for the panel (127.0.0.1:7860)
  img2img          refine one PNG with img2img (DDIM, Euler a, DPM++ 2M, …)
  upscale          enlarge a PNG and re-detail it tile by tile
  make-tiny-model  write the tiny random-weight test model to a folder
  worker           studio mode: a GPU worker taking jobs from the front's Redis queue
  pull             download a model from the Hugging Face Hub (REPO_ID[@REVISION] or an alias)
  models           list the installed models
  verify           re-hash an installed model's files (--repair fetches bad ones again)
  remove           delete an installed model
See README.md for every flag.`;

type Command = (args: string[]) => Promise<number>;

/*
 * Commands load lazily (make-tiny-model should not pay for express). `require`, not `import()`: the bin
 * compiles TypeScript through tsx's CommonJS hook, which a dynamic import() would bypass.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Record<string, () => Command> = {
  img2img: () => img2imgCommand,
  serve: () => (require('./serve-cli') as typeof import('./serve-cli')).serveCommand,
  upscale: () => (require('./cli/upscale-command') as typeof import('./cli/upscale-command')).upscaleCommand,
  'make-tiny-model': () =>
    (require('./cli/make-tiny-model-command') as typeof import('./cli/make-tiny-model-command')).makeTinyModelCommand,
  worker: () => (require('./cli/worker-command') as typeof import('./cli/worker-command')).workerCommand,
  pull: () => hub().pullCommand,
  models: () => hub().modelsCommand,
  verify: () => hub().verifyCommand,
  remove: () => hub().removeCommand,
};

function hub(): typeof import('./cli/hub-commands') {
  return require('./cli/hub-commands') as typeof import('./cli/hub-commands');
}

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
  if (COMMAND_USAGE[name] && wantsHelp(args)) {
    process.stdout.write(`${COMMAND_USAGE[name]}\nSee README.md for every flag.\n`);
    return 0;
  }
  try {
    return await load()(args);
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
