import * as fs from 'fs';
import * as path from 'path';

/** `../shared/data` beside the project: real tokenizer files, scheduler configs and test images. */
export const SHARED_DATA = path.resolve(__dirname, '../../../shared/data');

/**
 * The path of `sub` inside ../shared/data, or null (after printing why) when it is absent, so that a test
 * can skip with a reason: `const dir = sharedData('sd15-tokenizer'); (dir ? it : it.skip)(...)`.
 */
export function sharedData(sub: string): string | null {
  const full = path.join(SHARED_DATA, sub);
  if (fs.existsSync(full)) return full;
  // eslint-disable-next-line no-console
  console.log(`skipping: ${full} is absent (../shared/data is not beside this checkout)`);
  return null;
}
