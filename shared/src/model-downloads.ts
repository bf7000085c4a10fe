/**
 * Downloading models from the Hugging Face Hub through the server (issue 11): the catalogue of aliases,
 * a pull request, and a pull's state (progress in bytes with rate and ETA). Kept out of protocol.ts so
 * the core job protocol stays small.
 */
import { z } from 'zod';
import { errorBodySchema } from './errors';

export const modelDownloadPaths = {
  catalog: '/v1/models/catalog',
  pull: '/v1/models/pull',
  pullJob: (id: string) => `/v1/models/pull/${id}`,
  pullEvents: (id: string) => `/v1/models/pull/${id}/events`,
} as const;

/** The SSE event name of a pull's state. */
export const PULL_EVENT_NAME = 'pull';

export const catalogAliasSchema = z.object({
  alias: z.string(),
  title: z.string(),
  repo: z.string(),
  /** The pinned commit (full, or the short prefix the revision must still start with). */
  commit: z.string(),
  /** Bytes the pull fetches. */
  bytes: z.number().int(),
  license: z.string(),
  licenseUrl: z.string(),
  /** false: the licence must be accepted (`acceptLicense: true`) before the pull starts. */
  permissive: z.boolean(),
  precision: z.enum(['fp32', 'fp16']),
  providers: z.array(z.string()),
  /** The one offered when no real model is installed. */
  default: z.boolean(),
  /** The installed model's name when this alias is installed, else null. */
  installed: z.string().nullable(),
});
export type CatalogAlias = z.infer<typeof catalogAliasSchema>;

export const pullStateSchema = z.object({
  id: z.string(),
  /** What was asked for: an alias or `owner/name[@revision]`. */
  spec: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  phase: z.enum(['resolving', 'listing', 'downloading', 'done']),
  file: z.string().nullable(),
  fileIndex: z.number().int(),
  fileCount: z.number().int(),
  bytesDone: z.number(),
  bytesTotal: z.number(),
  bytesPerSecond: z.number(),
  /** Null until a rate is known. */
  etaSeconds: z.number().nullable(),
  /** The model's name once installed. */
  model: z.string().nullable(),
  error: errorBodySchema.nullable(),
});
export type PullState = z.infer<typeof pullStateSchema>;

export const modelCatalogResponseSchema = z.object({
  /** Where pulls install models. */
  modelsDir: z.string(),
  aliases: z.array(catalogAliasSchema),
  /** The pull under way (or the last one), if any. */
  pull: pullStateSchema.nullable(),
});
export type ModelCatalogResponse = z.infer<typeof modelCatalogResponseSchema>;

export const pullRequestSchema = z
  .object({
    /** An alias from the catalogue… */
    alias: z.string().min(1).max(100).optional(),
    /** …or a Hub repository, `owner/name[@revision]`. */
    repo: z.string().min(3).max(300).optional(),
    /** The folder name under the models folder (default: the alias or the repository's name). */
    name: z.string().min(1).max(80).optional(),
    /** Required for aliases whose licence is not permissive: the user has read and accepted it. */
    acceptLicense: z.boolean().optional(),
  })
  .strict()
  .refine((r) => (r.alias === undefined) !== (r.repo === undefined), { message: 'give exactly one of alias or repo' });
export type PullRequest = z.infer<typeof pullRequestSchema>;
