/** The two digests the Hub publishes: SHA-256 for LFS/Xet files, the git blob SHA-1 for the rest. */
import { createHash, type Hash } from 'crypto';
import * as fs from 'fs';
import type { RepoFile } from './tree';

export type Digest = { kind: 'sha256'; hex: string } | { kind: 'git-sha1'; hex: string };

export function expectedDigest(file: RepoFile): Digest | null {
  if (file.sha256) return { kind: 'sha256', hex: file.sha256.toLowerCase() };
  if (file.gitSha1) return { kind: 'git-sha1', hex: file.gitSha1.toLowerCase() };
  return null;
}

/** A hasher for `digest`'s kind; git blobs hash a `blob <size>\0` header before the content. */
export function startHash(kind: Digest['kind'], size: number): Hash {
  if (kind === 'sha256') return createHash('sha256');
  const h = createHash('sha1');
  h.update(`blob ${size}\0`);
  return h;
}

/** Feeds the first `bytes` bytes of `file` (all of it when omitted) into `hash`. */
export async function hashInto(hash: Hash, file: string, bytes?: number): Promise<void> {
  if (bytes === 0) return;
  const stream = fs.createReadStream(file, bytes === undefined ? {} : { start: 0, end: bytes - 1 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
}

/** Does `file` on disk have the expected size and digest? Returns the reason when it does not. */
export async function checkFile(file: string, expected: RepoFile): Promise<string | null> {
  let size: number;
  try {
    size = (await fs.promises.stat(file)).size;
  } catch {
    return 'missing';
  }
  if (size !== expected.size) return `size ${size} bytes, expected ${expected.size}`;
  const digest = expectedDigest(expected);
  if (!digest) return null;
  const hash = startHash(digest.kind, expected.size);
  await hashInto(hash, file);
  const got = hash.digest('hex');
  return got === digest.hex ? null : `${digest.kind === 'sha256' ? 'SHA-256' : 'git SHA-1'} ${got} does not match the Hub's ${digest.hex}`;
}
