/** A problem with how the server was started (flags, folders): the CLI prints the message and exits 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
