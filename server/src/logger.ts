/** Structured logs (pino), on stderr so that stdout stays free for a command's own output. */
import pino from 'pino';

export type Logger = pino.Logger;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export function createLogger(level: LogLevel = 'info', destination: pino.DestinationStream = pino.destination(2)): Logger {
  return pino({ level, base: { name: 'insaneres' } }, destination);
}
