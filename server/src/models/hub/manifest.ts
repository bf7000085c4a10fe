/**
 * `insaneres-manifest.json`: written last by a pull, so its presence with `complete: true` is what makes a
 * downloaded folder a model. It records where the files came from (repo, the commit the revision was
 * pinned to) and what each must hash to, so `verify` can check them later without the network.
 */
import * as fs from 'fs';
import * as path from 'path';
import { z } from 'zod';

export const MANIFEST_FILE = 'insaneres-manifest.json';

export const manifestSchema = z.object({
  format: z.literal(1),
  complete: z.literal(true),
  repo: z.string(),
  /** What the user asked for (a branch, tag or commit). */
  revision: z.string(),
  /** The commit that revision named when pulled: what was installed. */
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  alias: z.string().optional(),
  license: z.string().optional(),
  endpoint: z.string(),
  pulledAt: z.string(),
  /** Set by `insaneres verify` when every file matched. */
  verifiedAt: z.string().optional(),
  files: z.array(
    z.object({
      path: z.string(),
      size: z.number().int().nonnegative(),
      sha256: z.string().optional(),
      gitSha1: z.string().optional(),
    }),
  ),
});

export type Manifest = z.infer<typeof manifestSchema>;

/** The manifest of `dir`; null when there is none; an Error when there is one that is not complete or valid. */
/**
 * The rule the server's model listing and loader use: a folder with no manifest at all was put there by
 * hand (an export of the user's own) and is served; one whose manifest is not complete never is.
 */
export function readManifest(dir: string): Manifest | null {
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${file} is incomplete or not an InsaneRes manifest`);
  return parsed.data;
}

/** Written to a temporary name and renamed, so a manifest is never half there. */
export function writeManifest(dir: string, manifest: Manifest): void {
  const file = path.join(dir, MANIFEST_FILE);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** In a folder a pull is still filling: which repo@commit it holds (a folder for another commit starts over). */
export const STAGING_MARK = '.insaneres-pull.json';

/** Why `dir` must not be served as a model (a pull in progress, an incomplete manifest), or null. */
export function notServable(dir: string): string | null {
  if (fs.existsSync(path.join(dir, STAGING_MARK))) return 'a pull into it has not finished (run the same insaneres pull again)';
  try {
    readManifest(dir);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Pulls download into this hidden folder of the models folder, so nothing half-fetched is ever listed. */
export const INCOMING_DIR = '.incoming';

export function incomingDir(modelsDir: string, name: string): string {
  return path.join(modelsDir, INCOMING_DIR, name);
}
