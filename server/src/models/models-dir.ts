import * as os from 'os';
import * as path from 'path';

/** Where `insaneres pull` installs and `serve` looks for models by default: beside the outputs folder. */
export function defaultModelsDir(): string {
  return path.join(os.homedir(), 'InsaneRes', 'models');
}
