/**
 * `insaneres pull | models | verify | remove`: models from the Hugging Face Hub without Python. Exit 0 on
 * success, 2 with one line for a bad argument or an unknown repo/revision, 1 for a failed download (the
 * line names the file and the reason).
 */
import * as path from 'path';
import * as readline from 'readline';
import { parseArgs } from 'util';
import { formatBytes, listAliases, type Alias } from '../models/hub/aliases';
import { HubError } from '../models/hub/errors';
import { findInstalledDir, listInstalled, removeModel, verifyModel } from '../models/hub/installed';
import { pull } from '../models/hub/pull';
import { defaultModelsDir } from '../models/models-dir';
import { UsageError } from './args';
import { pullProgress } from './transfer-progress';

type Values = Record<string, string | boolean | undefined>;

function parse(command: string, usage: string, args: string[], options: Record<string, { type: 'string' | 'boolean' }>): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options: { ...options, 'models-dir': { type: 'string' }, help: { type: 'boolean' } }, strict: true, allowPositionals: true });
    if (values.help) {
      process.stdout.write(`usage: ${usage}\n`);
      return { values: { help: true }, positionals: [] };
    }
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (usage: ${usage})`);
  }
}

function oneName(positionals: string[], usage: string, what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length ? positionals.join(' ') : 'none'} (usage: ${usage})`);
  return positionals[0];
}

function modelsDirOf(values: Values): string {
  const dir = values['models-dir'];
  if (dir === '') throw new UsageError('--models-dir needs a folder');
  return path.resolve(typeof dir === 'string' ? dir : defaultModelsDir());
}

/** HubErrors as the CLI's exit codes: argument → UsageError (2); a failed download → exit 1 with its line. */
async function run(command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof HubError) {
      if (err.kind === 'argument') throw new UsageError(err.message);
      if (err.kind === 'cancelled') {
        process.stderr.write(`insaneres ${command}: interrupted; run the same command again to resume\n`);
        return 130;
      }
      process.stderr.write(`insaneres ${command} failed: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/** On a terminal, shows the licence and asks; elsewhere the flag is the only way to accept. */
async function askLicence(alias: Alias): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) =>
      rl.question(`${alias.title} (${alias.repo}) is under the ${alias.license} licence: ${alias.licenseUrl}\nDo you accept it? [y/N] `, resolve),
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

const PULL_USAGE = 'insaneres pull REPO_ID[@REVISION] | ALIAS [--models-dir DIR] [--name NAME] [--accept-license]';

export async function pullCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse('pull', PULL_USAGE, args, { name: { type: 'string' }, 'accept-license': { type: 'boolean' } });
  if (values.help) {
    const aliases = listAliases().map((a) => `  ${a.alias.padEnd(20)} ${a.repo}@${a.commit.slice(0, 12)}  ${formatBytes(a.bytes)}  ${a.license}`);
    process.stdout.write(`aliases:\n${aliases.join('\n')}\n`);
    return 0;
  }
  const spec = oneName(positionals, PULL_USAGE, 'repository or alias');
  const modelsDir = modelsDirOf(values);
  const progress = pullProgress();
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    return await run('pull', async () => {
      const result = await pull({
        spec,
        modelsDir,
        name: typeof values.name === 'string' ? values.name : undefined,
        acceptLicense: values['accept-license'] === true,
        confirmLicense: askLicence,
        signal: abort.signal,
        onProgress: progress.update,
        onNote: progress.note,
      });
      progress.end();
      process.stdout.write(
        result.alreadyInstalled
          ? `${result.name} is already installed from ${result.repo}@${result.commit.slice(0, 12)} (${result.dir})\n`
          : `pulled ${result.repo}@${result.commit.slice(0, 12)} into ${result.dir}: ${result.files} files, ${formatBytes(result.bytes)}, all verified\n`,
      );
      return 0;
    });
  } finally {
    progress.end();
    process.off('SIGINT', onSignal);
  }
}

export async function modelsCommand(args: string[]): Promise<number> {
  const usage = 'insaneres models [--models-dir DIR]';
  const { values, positionals } = parse('models', usage, args, {});
  if (values.help) return 0;
  if (positionals.length) throw new UsageError(`unexpected ${positionals.join(' ')} (usage: ${usage})`);
  const modelsDir = modelsDirOf(values);
  const models = await listInstalled(modelsDir);
  if (models.length === 0) {
    process.stdout.write(`no models in ${modelsDir}; get one with: insaneres pull ${listAliases().find((a) => a.default)?.alias ?? listAliases()[0].alias}\n`);
    return 0;
  }
  const rows = models.map((m) => [
    m.name,
    formatBytes(m.bytes),
    m.manifest ? `${m.manifest.repo}@${m.manifest.commit.slice(0, 12)}` : m.problem ? '-' : '(added by hand)',
    m.problem
      ? `NOT SERVED: ${m.problem}`
      : m.manifest
        ? m.manifest.verifiedAt
          ? `yes (verified ${m.manifest.verifiedAt.slice(0, 10)})`
          : `yes (at pull, ${m.manifest.pulledAt.slice(0, 10)})`
        : 'no manifest',
  ]);
  const header = ['NAME', 'SIZE', 'SOURCE', 'VERIFIED'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  process.stdout.write(`${[header, ...rows].map(line).join('\n')}\n`);
  return 0;
}

export async function verifyCommand(args: string[]): Promise<number> {
  const usage = 'insaneres verify NAME [--models-dir DIR] [--repair]';
  const { values, positionals } = parse('verify', usage, args, { repair: { type: 'boolean' } });
  if (values.help) return 0;
  const name = oneName(positionals, usage, 'model name');
  return run('verify', async () => {
    const dir = findInstalledDir(modelsDirOf(values), name);
    const progress = pullProgress();
    const result = await verifyModel(dir, { repair: values.repair === true, onNote: progress.note });
    for (const bad of result.bad) {
      const fixed = result.repaired.includes(bad.path);
      process.stderr.write(`${bad.path}: ${bad.reason}${fixed ? ' (fetched again and verified)' : ''}\n`);
    }
    if (result.bad.length === 0) {
      process.stdout.write(`${name}: all ${result.checked} files match\n`);
      return 0;
    }
    if (result.repaired.length === result.bad.length) {
      process.stdout.write(`${name}: repaired ${result.repaired.length} of ${result.checked} files; all match now\n`);
      return 0;
    }
    process.stderr.write(`insaneres verify: ${name} has ${result.bad.length} bad file(s): ${result.bad.map((b) => b.path).join(', ')}; run insaneres verify ${name} --repair to fetch them again\n`);
    return 1;
  });
}

export async function removeCommand(args: string[]): Promise<number> {
  const usage = 'insaneres remove NAME [--models-dir DIR]';
  const { values, positionals } = parse('remove', usage, args, {});
  if (values.help) return 0;
  const name = oneName(positionals, usage, 'model name');
  return run('remove', async () => {
    const dir = findInstalledDir(modelsDirOf(values), name);
    await removeModel(dir);
    process.stdout.write(`removed ${name} (${dir})\n`);
    return 0;
  });
}
