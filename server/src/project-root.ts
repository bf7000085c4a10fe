import * as fs from 'fs';
import * as path from 'path';

/**
 * The package's root folder, from the sources (server/src) or from the compiled build (dist/server/src,
 * one level deeper): the first folder up that holds the TypeScript entry point. Paths to files beside the
 * package (the harness page, shared data) start here rather than at `__dirname`, whose depth differs
 * between the two.
 */
function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'server', 'src', 'cli.ts'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..', '..');
  }
}

export const PROJECT_ROOT = findRoot(__dirname);
