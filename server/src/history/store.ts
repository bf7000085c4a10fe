/**
 * Every finished result on disk: `<id>.png` plus the `<id>.json` sidecar (the HistoryEntry). Both are
 * written to a temporary name and renamed, PNG first, so a sidecar always points at a complete PNG and
 * a crash leaves at most a `.tmp` file, which the next start deletes. The list is rebuilt from the
 * sidecars at start, so it survives restarts.
 */
import { randomBytes } from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';
import { historyEntrySchema, type HistoryEntry, type HistoryListResponse } from '../../../shared/src';
import type { RawImage } from '../engine/types';
import { encodePng } from '../image/png';
import { withTextChunk } from '../image/png-text';
import { infotextFor } from '../infotext/job-infotext';
import type { Logger } from '../logger';

export type NewHistoryEntry = Omit<HistoryEntry, 'id' | 'createdAt' | 'infotext'>;

const TMP_SUFFIX = '.tmp';

/** Sortable, readable and NTFS-safe (no colons): 20250131-154502-123-k3f9. */
function historyId(now: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const stamp =
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}-${pad(now.getMilliseconds(), 3)}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function newestFirst(a: HistoryEntry, b: HistoryEntry): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** Writes, flushes and renames, so the final name only ever holds complete data. */
async function writeAtomically(file: string, data: Buffer | string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}${TMP_SUFFIX}`;
  const handle = await fsp.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

export class HistoryStore {
  private entries: HistoryEntry[] = [];
  private readonly byId = new Map<string, HistoryEntry>();

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
    private readonly shared: boolean,
  ) {}

  /**
   * Opens (creating it if needed) an outputs folder and reads back every valid sidecar. `shared`: other
   * processes (studio mode's workers) write into it too, so a temporary file is only removed once it is
   * old enough that no writer can still be busy with it.
   */
  static async open(dir: string, logger: Logger, options: { shared?: boolean } = {}): Promise<HistoryStore> {
    const store = new HistoryStore(path.resolve(dir), logger, options.shared ?? false);
    await fsp.mkdir(store.dir, { recursive: true });
    await store.rebuild();
    return store;
  }

  get size(): number {
    return this.entries.length;
  }

  list(offset: number, limit: number): HistoryListResponse {
    return { items: this.entries.slice(offset, offset + limit), total: this.entries.length, offset, limit };
  }

  get(id: string): HistoryEntry | undefined {
    return this.byId.get(id);
  }

  imagePath(entry: HistoryEntry): string {
    return path.join(this.dir, `${entry.id}.png`);
  }

  /**
   * Reads an entry another process wrote (a studio worker) into this folder; undefined if its sidecar or
   * PNG is missing or invalid. Entries already known are returned as they are.
   */
  async adopt(id: string): Promise<HistoryEntry | undefined> {
    const known = this.byId.get(id);
    if (known) return known;
    if (!/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
    try {
      const entry = historyEntrySchema.parse(JSON.parse(await fsp.readFile(path.join(this.dir, `${id}.json`), 'utf8')));
      await fsp.access(this.imagePath(entry));
      if (entry.id !== id || this.byId.has(id)) return this.byId.get(id);
      this.entries.push(entry);
      this.entries.sort(newestFirst);
      this.byId.set(id, entry);
      return entry;
    } catch (err) {
      this.logger.warn({ id, reason: (err as Error).message }, 'a history entry written by a worker could not be read');
      return undefined;
    }
  }

  async save(fields: NewHistoryEntry, image: RawImage): Promise<HistoryEntry> {
    const now = new Date();
    const entry = historyEntrySchema.parse({ ...fields, id: historyId(now), createdAt: now.toISOString(), infotext: infotextFor(fields) });
    // A1111's `parameters` chunk: its PNG Info, Civitai and other tools read how the image was made.
    const png = withTextChunk(await encodePng(image), 'parameters', entry.infotext ?? '');
    await writeAtomically(this.imagePath(entry), png);
    await writeAtomically(path.join(this.dir, `${entry.id}.json`), `${JSON.stringify(entry, null, 2)}\n`);
    this.entries.unshift(entry);
    this.entries.sort(newestFirst);
    this.byId.set(entry.id, entry);
    return entry;
  }

  private async rebuild(): Promise<void> {
    const names = await fsp.readdir(this.dir);
    const present = new Set(names);
    const entries: HistoryEntry[] = [];
    for (const name of names) {
      if (name.endsWith(TMP_SUFFIX)) {
        // Left by a crash mid-write: never part of a finished result.
        const file = path.join(this.dir, name);
        if (this.shared && Date.now() - (await fsp.stat(file).catch(() => ({ mtimeMs: 0 }))).mtimeMs < 3600_000) continue;
        await fsp.rm(file, { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      try {
        const parsed = historyEntrySchema.safeParse(JSON.parse(await fsp.readFile(path.join(this.dir, name), 'utf8')));
        if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        if (parsed.data.id !== id) throw new Error(`its id "${parsed.data.id}" does not match the file name`);
        if (!present.has(`${id}.png`)) throw new Error(`${id}.png is missing`);
        entries.push(parsed.data);
      } catch (err) {
        this.logger.warn({ file: name, reason: (err as Error).message }, 'skipping a history sidecar');
      }
    }
    this.entries = entries.sort(newestFirst);
    this.byId.clear();
    for (const entry of this.entries) this.byId.set(entry.id, entry);
    this.logger.info({ dir: this.dir, entries: this.entries.length }, 'history loaded');
  }
}
