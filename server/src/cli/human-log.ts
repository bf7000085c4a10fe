/**
 * What `insaneres serve` prints on a terminal: a start-up banner a newcomer can act on, and log lines a
 * person can read (`12:03:04 INFO  job finished  job=… state=done`). pino still writes JSON underneath;
 * this only reformats its lines, so `--log-format json` (or a non-terminal stderr) gets the raw JSON.
 */
import type { DestinationStream } from 'pino';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
/** pino's own fields, and ours that every line carries. */
const HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'name']);

function value(v: unknown): string {
  if (typeof v === 'string') return /\s/.test(v) ? JSON.stringify(v) : v;
  if (v && typeof v === 'object' && 'message' in v && typeof (v as { message: unknown }).message === 'string') {
    return JSON.stringify((v as { message: string }).message);
  }
  return JSON.stringify(v);
}

export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toTimeString().slice(0, 8) : '';
  const level = LEVELS[entry.level as number] ?? String(entry.level);
  const fields = Object.entries(entry)
    .filter(([key, v]) => !HIDDEN.has(key) && v !== undefined)
    .map(([key, v]) => `${key}=${value(v)}`);
  return `${time} ${level} ${String(entry.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
}

/** A pino destination that writes readable lines to `out` (stderr). */
export function humanDestination(out: NodeJS.WritableStream): DestinationStream {
  return { write: (line: string) => void out.write(formatLogLine(line)) };
}

export interface BannerInfo {
  version: string;
  url: string;
  /** An address a browser on this machine can open (0.0.0.0 is not one). */
  browserUrl: string;
  model: string | null;
  device: string;
  demo: boolean;
  outputs: string;
  token: boolean;
}

export function banner(info: BannerInfo): string {
  const lines = [
    '',
    `  InsaneRes ${info.version} is running at ${info.url}`,
    `  Model    ${info.model ?? 'none'} on ${info.device.toUpperCase()}`,
  ];
  if (info.demo) {
    lines.push(
      '  DEMO MODEL: it has random weights, so its images are meaningless. It is here so that everything',
      '           runs on a fresh machine. For real results, use a Stable Diffusion 1.5 ONNX export',
      '           (README, "Using a real model"):  npm start -- --model ./sd15-onnx',
    );
  }
  lines.push(
    `  Try it   open ${info.browserUrl}/ to try it in a browser, or use the Photoshop panel`,
    `  Results  ${info.outputs}`,
  );
  if (info.token) lines.push('  Token    clients must send "Authorization: Bearer <token>"');
  lines.push('  Stop     Ctrl+C', '', '');
  return lines.join('\n');
}
