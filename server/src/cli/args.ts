import { parseArgs, ParseArgsConfig } from 'util';
import type { ZodError } from 'zod';

/** Bad input on the command line: exit code 2 and one line saying what was wrong. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses `--flag value` pairs strictly: unknown flags and stray arguments are usage errors. */
export function parseFlags(command: string, args: string[], options: Options): Record<string, string | boolean | undefined> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    throw new UsageError(`${command}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** A numeric flag: absent → undefined; present but not a number → usage error naming the flag. */
export function numberFlag(values: Record<string, unknown>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(value)) {
    throw new UsageError(`--${name} must be a number, got '${String(raw)}'`);
  }
  return value;
}

export function requireFlag(values: Record<string, unknown>, name: string, what: string): string {
  const raw = values[name];
  if (typeof raw !== 'string' || raw === '') throw new UsageError(`--${name} is required (${what})`);
  return raw;
}

/** A zod error as one line: `--strength: must be at most 1 (got 1.5)`. */
export function zodErrorLine(err: ZodError, flagNames: Record<string, string>, input: Record<string, unknown>): string {
  const issue = err.issues[0];
  const key = String(issue.path[0] ?? '');
  const flag = flagNames[key] ?? key;
  return `--${flag}: ${issue.message} (got ${JSON.stringify(input[key])})`;
}
