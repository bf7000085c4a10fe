/**
 * Every finished result on disk: `<id>.png` plus the `<id>.json` sidecar (the HistoryEntry). Files are
 * written to temporary names and flushed, then renamed, the image first, so a sidecar always points at a
 * complete image. The list is rebuilt from the sidecars at start, so it survives restarts. What a crash or
 * a damaged disk can leave is cleaned up or finished then (see `rebuild`); files the server did not write
 * are never touched.
 *
 * The PNG after `done`: by default a save writes the raw pixels (`<id>.raw`, unencoded-result.ts) and the
 * sidecar, which is durable within a few ms, and returns; the PNG is encoded afterwards, one at a time,
 * and replaces the raw file. A stop in between leaves sidecar + raw file, and the next start encodes it.
 * The encode waits PNG_ENCODE_DELAY_MS first, so that it does not compete with the client's download of
 * the result; readers of the file (`pngFile`) and a stop start it at once. Studio workers (`shared`)
 * write the PNG before they return, since the front, another process, reads it as soon as it hears the
 * job is done.
 */
import { randomBytes } from 'crypto';
import { promises as fsp } from 'fs';
import * as path from 'path';
import { historyEntrySchema, type HistoryEntry, type HistoryListResponse } from '../../../shared/src';
import type { RawImage } from '../engine/types';
import { encodePng, isPng } from '../image/png';
import { textChunkAfterHeader } from '../image/png-text';
import { infotextFor } from '../infotext/job-infotext';
import type { Logger } from '../logger';
import { readUnencoded, unencodedParts } from './unencoded-result';

export type NewHistoryEntry = Omit<HistoryEntry, 'id' | 'createdAt' | 'infotext'>;

const TMP_SUFFIX = '.tmp';
const ID_PATTERN = '[0-9]{8}-[0-9]{6}-[0-9]{3}-[0-9a-f]{6}';
/** Only our own temporary names (`<id>.png.<pid>.<hex>.tmp`): other `.tmp` files in the folder are not ours. */
const OWN_TMP = new RegExp(`^${ID_PATTERN}\\.(png|json|raw)\\.[0-9]+\\.[0-9a-f]{6}\\.tmp$`);
const OWN_IMAGE = new RegExp(`^(${ID_PATTERN})\\.(png|raw)$`);
/** Saves whose PNG is still to be encoded before the next save waits for the oldest (memory: each holds its image). */
const MAX_UNENCODED = 4;
/**
 * How long after `done` a result's PNG encode waits, unless something asks for the PNG sooner: the client
 * fetches the result in that moment, and sharp's encode on libuv's threads took the cores from it (full-size
 * overhead bench, quiet 2-core VM: the raw result's main thread waited 36.7 ms for a core, 59 ms in all).
 */
const PNG_ENCODE_DELAY_MS = 1000;
/** The last 12 bytes of every complete PNG: the IEND chunk (length 0, type, CRC). */
const PNG_END = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** Written within the last hour: possibly still being written by another process sharing the folder. */
async function isRecent(file: string): Promise<boolean> {
  const stat = await fsp.stat(file).catch(() => null);
  return stat !== null && Date.now() - stat.mtimeMs < 3600_000;
}

/** Sortable, readable and NTFS-safe (no colons): 20250131-154502-123-k3f9. */
function historyId(now: Date): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  const stamp =
    `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}-${pad(now.getMilliseconds(), 3)}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

function sidecarText(entry: HistoryEntry): string {
  return `${JSON.stringify(entry, null, 2)}\n`;
}

function newestFirst(a: HistoryEntry, b: HistoryEntry): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/**
 * Writes `parts` one after another to a temporary name beside `file` and flushes them to disk; returns
 * that name. The caller renames it into place, so the final name only ever holds complete data.
 */
async function writeFlushed(file: string, parts: (Buffer | string)[]): Promise<string> {
  const tmp = `${file}.${process.pid}.${randomBytes(3).toString('hex')}${TMP_SUFFIX}`;
  const handle = await fsp.open(tmp, 'w');
  try {
    // writeFile on a handle writes from its current position: the parts follow one another.
    for (const part of parts) await handle.writeFile(part);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  return tmp;
}

/** Renames a temporary file into place; on failure it (and `alsoRemove`) are removed. */
async function renameInto(tmp: string, file: string, alsoRemove?: string): Promise<void> {
  try {
    await fsp.rename(tmp, file);
  } catch (err) {
    await Promise.all([tmp, alsoRemove].map((f) => (f === undefined ? undefined : fsp.rm(f, { force: true }))));
    throw err;
  }
}

/** The values of settled promises, or (after removing the temporary files that were written) the first error. */
async function allWritten(settled: PromiseSettledResult<string>[]): Promise<string[]> {
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (!failed) return settled.map((r) => (r as PromiseFulfilledResult<string>).value);
  await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? fsp.rm(r.value, { force: true }) : undefined)));
  throw failed.reason;
}

export class HistoryStore {
  private entries: HistoryEntry[] = [];
  private readonly byId = new Map<string, HistoryEntry>();

  /** Entries whose PNG is still to be written, by id: settles once it is. */
  private readonly encoding = new Map<string, Promise<void>>();
  private encodeChain: Promise<void> = Promise.resolve();
  /** Starters of the encodes still waiting out their delay. */
  private readonly waitingEncodes = new Set<() => void>();

  private constructor(
    readonly dir: string,
    private readonly logger: Logger,
    private readonly shared: boolean,
    private readonly encodeDelayMs: number,
  ) {}

  /**
   * Opens (creating it if needed) an outputs folder and reads back every valid sidecar. `shared`: other
   * processes (studio mode's workers) write into it too, so a temporary file is only removed once it is
   * old enough that no writer can still be busy with it.
   */
  static async open(dir: string, logger: Logger, options: { shared?: boolean; encodeDelayMs?: number } = {}): Promise<HistoryStore> {
    const store = new HistoryStore(path.resolve(dir), logger, options.shared ?? false, options.encodeDelayMs ?? PNG_ENCODE_DELAY_MS);
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

  /**
   * Records a finished result; once this resolves it survives a crash. `phases`, when given, gets the
   * milliseconds of each part of the save (the overhead benchmark reads them).
   */
  async save(fields: NewHistoryEntry, image: RawImage, phases?: Record<string, number>): Promise<HistoryEntry> {
    let t = performance.now();
    const lap = (key: string): void => {
      const now = performance.now();
      if (phases) phases[key] = now - t;
      t = now;
    };
    const now = new Date();
    const entry = historyEntrySchema.parse({ ...fields, id: historyId(now), createdAt: now.toISOString(), infotext: infotextFor(fields) });
    lap('saveEntry');
    const jsonFile = path.join(this.dir, `${entry.id}.json`);
    if (this.shared) {
      // The front reads the PNG as soon as it hears the job is done: it is written first.
      const [pngTmp, jsonTmp] = await allWritten(await Promise.allSettled([this.encodeToTemporary(entry, image), writeFlushed(jsonFile, [sidecarText(entry)])]));
      lap('saveFiles');
      await renameInto(pngTmp, this.imagePath(entry), jsonTmp);
      await renameInto(jsonTmp, jsonFile);
    } else {
      // Bounded memory when results come faster than their PNGs: each waiting encode holds its image.
      if (this.encoding.size >= MAX_UNENCODED) await this.pngsWritten();
      // The raw pixels and the sidecar are flushed side by side; the renames go image first, so a sidecar
      // only ever names a complete image. A crash before both renames leaves temporary files or an image
      // without a sidecar, which rebuild() removes: the job was never reported done.
      const rawFile = this.unencodedPath(entry.id);
      const raw = (async () => writeFlushed(rawFile, unencodedParts(image)))();
      const [rawTmp, jsonTmp] = await allWritten(await Promise.allSettled([raw, writeFlushed(jsonFile, [sidecarText(entry)])]));
      lap('saveFiles');
      await renameInto(rawTmp, rawFile, jsonTmp);
      await renameInto(jsonTmp, jsonFile);
    }
    lap('saveRename');
    this.entries.unshift(entry);
    this.entries.sort(newestFirst);
    this.byId.set(entry.id, entry);
    if (!this.shared) this.encodeLater(entry, image);
    return entry;
  }

  /** The entry's PNG file, once it is written (straight away unless its encode is still to come). */
  async pngFile(entry: HistoryEntry): Promise<string> {
    if (this.encoding.has(entry.id)) this.startEncodes();
    await this.encoding.get(entry.id);
    return this.imagePath(entry);
  }

  /** Resolves when every PNG still to be encoded is written (or has failed, and its raw file stays). */
  async pngsWritten(): Promise<void> {
    this.startEncodes();
    await Promise.allSettled([...this.encoding.values()]);
  }

  private unencodedPath(id: string): string {
    return path.join(this.dir, `${id}.raw`);
  }

  /** The PNG, with A1111's `parameters` chunk (PNG Info, Civitai and other tools read how it was made), flushed to a temporary name. */
  private async encodeToTemporary(entry: HistoryEntry, image: RawImage): Promise<string> {
    const png = await encodePng(image);
    // sharp's fresh encode: the text chunk goes after its header without copying the image data.
    return writeFlushed(this.imagePath(entry), textChunkAfterHeader(png, 'parameters', entry.infotext ?? ''));
  }

  /** The PNG in place of the raw file: written, renamed into place, then the raw file removed. */
  private async replaceUnencoded(entry: HistoryEntry, image: RawImage): Promise<void> {
    const tmp = await this.encodeToTemporary(entry, image);
    await renameInto(tmp, this.imagePath(entry));
    await fsp.rm(this.unencodedPath(entry.id), { force: true });
  }

  /** Ends the wait of every encode still waiting out PNG_ENCODE_DELAY_MS (they run in order, one at a time). */
  private startEncodes(): void {
    for (const start of this.waitingEncodes) start();
    this.waitingEncodes.clear();
  }

  /** One encode at a time, in the order the jobs finished; a failure is logged and the raw file kept for the next start. */
  private encodeLater(entry: HistoryEntry, image: RawImage): void {
    const queued = performance.now();
    const due = new Promise<void>((resolve) => {
      const start = (): void => {
        clearTimeout(timer);
        this.waitingEncodes.delete(start);
        resolve();
      };
      // unref: a pending encode never keeps the process alive (its raw pixels are durable).
      const timer = setTimeout(start, this.encodeDelayMs);
      timer.unref();
      this.waitingEncodes.add(start);
    });
    const written = this.encodeChain.then(() => due).then(() => this.replaceUnencoded(entry, image));
    this.encoding.set(entry.id, written);
    this.encodeChain = written.then(
      () => this.logger.debug({ id: entry.id, ms: Math.round(performance.now() - queued) }, 'result PNG written'),
      (err) => this.logger.error({ id: entry.id, err }, 'the result PNG could not be written; its raw pixels stay, and the next start tries again'),
    ).finally(() => this.encoding.delete(entry.id));
  }

  /** A stored image that turned out unreadable after start: it leaves the list, and the log says why. */
  forget(entry: HistoryEntry, reason: string): void {
    if (!this.byId.delete(entry.id)) return;
    this.entries = this.entries.filter((e) => e !== entry);
    this.logger.warn({ id: entry.id, file: this.imagePath(entry), reason }, 'history image is unreadable; left out of the history');
  }

  /**
   * Reads every sidecar back. At the same time: our own temp files (a crash mid-write) are deleted; a PNG
   * with no sidecar (a crash between the two renames: the job was never reported done, and without its
   * sidecar its parameters are unknown) is deleted; an entry whose PNG is truncated or the wrong size is
   * left out and logged, its files kept for whoever wants to look at them.
   */
  private async rebuild(): Promise<void> {
    const names = await fsp.readdir(this.dir);
    const present = new Set(names);
    const entries: HistoryEntry[] = [];
    for (const name of names) {
      if (OWN_TMP.test(name)) {
        // Left by a crash mid-write: never part of a finished result. In a shared folder another process
        // may be writing it right now, so only an old one is removed there.
        const file = path.join(this.dir, name);
        if (this.shared && (await isRecent(file))) continue;
        await fsp.rm(file, { force: true });
        continue;
      }
      const orphan = OWN_IMAGE.exec(name);
      if (orphan && !present.has(`${orphan[1]}.json`)) {
        // In a shared folder a worker may be between its PNG and its sidecar right now.
        if (this.shared && (await isRecent(path.join(this.dir, name)))) continue;
        this.logger.warn({ file: name }, `deleting a result ${orphan[2] === 'png' ? 'PNG' : 'raw file'} without its sidecar (left by a crash before the job was done)`);
        await fsp.rm(path.join(this.dir, name), { force: true });
        continue;
      }
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      try {
        const parsed = historyEntrySchema.safeParse(JSON.parse(await fsp.readFile(path.join(this.dir, name), 'utf8')));
        if (!parsed.success) throw new Error(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
        if (parsed.data.id !== id) throw new Error(`its id "${parsed.data.id}" does not match the file name`);
        if (present.has(`${id}.raw`)) await this.finishUnencoded(parsed.data, present.has(`${id}.png`));
        else if (!present.has(`${id}.png`)) throw new Error(`${id}.png is missing`);
        await checkPng(this.imagePath(parsed.data), parsed.data);
        entries.push(parsed.data);
      } catch (err) {
        this.logger.warn({ file: name, reason: (err as Error).message }, 'skipping a history entry');
      }
    }
    this.entries = entries.sort(newestFirst);
    this.byId.clear();
    for (const entry of this.entries) this.byId.set(entry.id, entry);
    this.logger.info({ dir: this.dir, entries: this.entries.length }, 'history loaded');
  }

  /**
   * A result reported done whose PNG a stop cut off: its raw pixels become the PNG now. When the PNG is
   * already in place (a stop between its rename and the raw file's removal), the raw file just goes.
   */
  private async finishUnencoded(entry: HistoryEntry, pngInPlace: boolean): Promise<void> {
    const rawFile = this.unencodedPath(entry.id);
    if (pngInPlace) {
      await fsp.rm(rawFile, { force: true });
      return;
    }
    const image = readUnencoded(await fsp.readFile(rawFile));
    if (image.width !== entry.width || image.height !== entry.height) {
      throw new Error(`${entry.id}.raw is ${image.width}×${image.height}, its sidecar says ${entry.width}×${entry.height}`);
    }
    await this.replaceUnencoded(entry, image);
    this.logger.info({ id: entry.id }, 'wrote the PNG of a finished result that a stop left as raw pixels');
  }
}

/**
 * Cheap enough for every entry at start (two small reads, no decode): the PNG header names the sidecar's
 * size, and the file ends with IEND, so a file cut short by a crash or a full disk is caught.
 */
async function checkPng(file: string, entry: HistoryEntry): Promise<void> {
  const handle = await fsp.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(24);
    const tail = Buffer.alloc(PNG_END.length);
    if (size < head.length + tail.length) throw new Error(`${path.basename(file)} is cut short (${size} bytes)`);
    await handle.read(head, 0, head.length, 0);
    await handle.read(tail, 0, tail.length, size - tail.length);
    if (!isPng(head) || head.toString('latin1', 12, 16) !== 'IHDR') throw new Error(`${path.basename(file)} is not a PNG`);
    const width = head.readUInt32BE(16);
    const height = head.readUInt32BE(20);
    if (width !== entry.width || height !== entry.height) {
      throw new Error(`${path.basename(file)} is ${width}×${height}, its sidecar says ${entry.width}×${entry.height}`);
    }
    if (!tail.equals(PNG_END)) throw new Error(`${path.basename(file)} is cut short (no IEND chunk at its end)`);
  } finally {
    await handle.close();
  }
}
