import * as os from 'os';
import * as path from 'path';

/**
 * The user's InsaneRes folder (models and outputs): ~/InsaneRes, or INSANERES_HOME (tests point it at a
 * temporary folder, so they never see or touch a user's pulled models and results).
 */
export function insaneresHome(): string {
  return process.env.INSANERES_HOME || path.join(os.homedir(), 'InsaneRes');
}

/** Where `insaneres pull` installs and `serve` looks for models by default: beside the outputs folder. */
export function defaultModelsDir(): string {
  return path.join(insaneresHome(), 'models');
}

/** Where `serve` writes finished results by default. */
export function defaultOutputsDir(): string {
  return path.join(insaneresHome(), 'outputs');
}
