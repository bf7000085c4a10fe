/** The curated catalogue (catalogue.json: data, not code): short names for pinned SD 1.5-family ONNX exports. */
import { z } from 'zod';
import catalogueJson from './catalogue.json';

export const aliasSchema = z.object({
  alias: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/),
  title: z.string(),
  repo: z.string(),
  revision: z.string(),
  /** A full 40-hex commit, or a short prefix the resolved revision must start with. */
  commit: z.string().regex(/^[0-9a-f]{7,40}$/),
  bytes: z.number().int().positive(),
  license: z.string(),
  licenseUrl: z.string().url(),
  /** false: the licence is shown and must be accepted (--accept-license, or a prompt on a terminal). */
  permissive: z.boolean(),
  precision: z.enum(['fp32', 'fp16']),
  providers: z.array(z.enum(['cpu', 'coreml', 'dml', 'cuda'])),
  /** The one the panel offers when no real model is installed. */
  default: z.boolean(),
  checked: z.string(),
});

export type Alias = z.infer<typeof aliasSchema>;

const catalogueSchema = z.object({ aliases: z.array(aliasSchema).min(1) });

let aliases: Alias[] | null = null;

export function listAliases(): Alias[] {
  aliases ??= catalogueSchema.parse(catalogueJson).aliases;
  return aliases;
}

export function findAlias(name: string): Alias | undefined {
  return listAliases().find((a) => a.alias === name);
}

export function defaultAlias(): Alias {
  return listAliases().find((a) => a.default) ?? listAliases()[0];
}

/**
 * For the server's start-up banner and the demo notice: how to pull a real model, as a phrase
 * ("pull a real model: `npx insaneres pull sd15` (…) or the panel's Download button").
 */
export function pullHint(): string {
  const a = defaultAlias();
  return `pull a real model: \`npx insaneres pull ${a.alias}\` (${a.title}, ${formatBytes(a.bytes)}, licence ${a.license}) or the panel's Download button`;
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  // One decimal below 100 MB, so a small model's progress moves visibly.
  if (bytes >= 1e6) return bytes < 1e8 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(0)} kB`;
  return `${bytes} B`;
}
