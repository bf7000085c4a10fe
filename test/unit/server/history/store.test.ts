import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pino from 'pino';
import { HistoryStore, type NewHistoryEntry } from '../../../../server/src/history/store';
import { readUnencoded, unencodedParts } from '../../../../server/src/history/unencoded-result';
import { decodePng } from '../../../../server/src/image/png';
import type { RawImage } from '../../../../server/src/engine/types';
import { readTextChunks } from '../../../../server/src/image/png-text';
import { parseInfotext } from '../../../../server/src/infotext/infotext';
import { img2imgParamsSchema } from '../../../../shared/src';

const logger = pino({ level: 'silent' });

function fields(seed: number): NewHistoryEntry {
  return {
    kind: 'img2img', params: img2imgParamsSchema.parse({ seed }), jobId: `job${seed}`, seed, model: 'tiny', device: 'cpu',
    timings: { unet: 1 }, stepsRun: 2, width: 2, height: 1, bitDepth: 8, input: { width: 2, height: 1, bitDepth: 8 },
  };
}

const image = { width: 2, height: 1, channels: 4 as const, bitDepth: 8 as const, data: Uint8Array.from([1, 2, 3, 255, 4, 5, 6, 255]) };

describe('HistoryStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ir-history-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes PNG + sidecar, lists newest first, and reads them back after a restart', async () => {
    const store = await HistoryStore.open(dir, logger);
    const first = await store.save(fields(1), image);
    const second = await store.save(fields(2), image);
    expect(store.list(0, 10).items.map((e) => e.id)).toEqual([second.id, first.id]);
    await store.pngsWritten();
    expect(fs.readdirSync(dir).sort()).toEqual([`${first.id}.json`, `${first.id}.png`, `${second.id}.json`, `${second.id}.png`].sort());

    const reopened = await HistoryStore.open(dir, logger);
    expect(reopened.list(0, 10)).toEqual(store.list(0, 10));
    expect(reopened.list(1, 1).items.map((e) => e.seed)).toEqual([1]);
  });

  it('deletes only its own leftover temporary files, and skips broken or orphaned sidecars', async () => {
    const store = await HistoryStore.open(dir, logger);
    const kept = await store.save(fields(1), image);
    await store.pngsWritten();
    const ownTmp = `${kept.id}.png.123.abcdef.tmp`;
    fs.writeFileSync(path.join(dir, ownTmp), 'half');
    fs.writeFileSync(path.join(dir, 'x.png.123.abc.tmp'), 'someone else’s');
    fs.writeFileSync(path.join(dir, 'notes.tmp'), 'someone else’s');
    fs.writeFileSync(path.join(dir, 'broken.json'), '{');
    fs.writeFileSync(path.join(dir, 'orphan.json'), JSON.stringify({ ...kept, id: 'orphan' }));
    const reopened = await HistoryStore.open(dir, logger);
    expect(reopened.list(0, 10).items.map((e) => e.id)).toEqual([kept.id]);
    expect(fs.existsSync(path.join(dir, ownTmp))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'x.png.123.abc.tmp'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'notes.tmp'))).toBe(true);
  });

  it('leaves nothing behind when a save fails, though the sidecar is flushed while the pixels are written', async () => {
    const store = await HistoryStore.open(dir, logger);
    const kept = await store.save(fields(1), image);
    await store.pngsWritten();
    // Three bytes for a 2×1 RGBA picture: the pixels' write fails after the sidecar's has started.
    await expect(store.save(fields(2), { ...image, data: Uint8Array.from([1, 2, 3]) })).rejects.toThrow();
    expect(fs.readdirSync(dir).sort()).toEqual([`${kept.id}.json`, `${kept.id}.png`].sort());
    expect(store.list(0, 10).items.map((e) => e.id)).toEqual([kept.id]);
    // A crash between the flush and the renames leaves the sidecar's temporary file: removed at start.
    const jsonTmp = `${kept.id}.json.123.abcdef.tmp`;
    fs.writeFileSync(path.join(dir, jsonTmp), '{"half":');
    const reopened = await HistoryStore.open(dir, logger);
    expect(reopened.list(0, 10).items.map((e) => e.id)).toEqual([kept.id]);
    expect(fs.existsSync(path.join(dir, jsonTmp))).toBe(false);
  });

  it('deletes a result PNG whose sidecar was never written (a crash between the renames), keeps other PNGs', async () => {
    const store = await HistoryStore.open(dir, logger);
    const kept = await store.save(fields(1), image);
    const lost = await store.save(fields(2), image);
    await store.pngsWritten();
    fs.rmSync(path.join(dir, `${lost.id}.json`));
    fs.writeFileSync(path.join(dir, 'holiday.png'), 'not ours');
    const lines: string[] = [];
    const reopened = await HistoryStore.open(dir, pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }));
    expect(reopened.list(0, 10).items.map((e) => e.id)).toEqual([kept.id]);
    expect(fs.readdirSync(dir).sort()).toEqual([`${kept.id}.json`, `${kept.id}.png`, 'holiday.png'].sort());
    expect(lines.some((l) => l.includes(`${lost.id}.png`) && l.includes('without its sidecar'))).toBe(true);
  });

  it('leaves out (and logs) entries whose PNG is cut short or the wrong size, keeping their files', async () => {
    const store = await HistoryStore.open(dir, logger);
    const good = await store.save(fields(1), image);
    const cut = await store.save(fields(2), image);
    const resized = await store.save(fields(3), image);
    await store.pngsWritten();
    const cutFile = path.join(dir, `${cut.id}.png`);
    fs.writeFileSync(cutFile, fs.readFileSync(cutFile).subarray(0, -5));
    const sidecar = path.join(dir, `${resized.id}.json`);
    fs.writeFileSync(sidecar, JSON.stringify({ ...JSON.parse(fs.readFileSync(sidecar, 'utf8')), width: 3 }));
    const lines: string[] = [];
    const reopened = await HistoryStore.open(dir, pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }));
    expect(reopened.list(0, 10).items.map((e) => e.id)).toEqual([good.id]);
    expect(lines.some((l) => l.includes('cut short'))).toBe(true);
    expect(lines.some((l) => l.includes('is 2×1, its sidecar says 3×1'))).toBe(true);
    expect(fs.existsSync(cutFile)).toBe(true);
  });

  it('uses file names that are safe on Windows', async () => {
    const store = await HistoryStore.open(dir, logger);
    const entry = await store.save(fields(3), image);
    expect(entry.id).toMatch(/^[0-9]{8}-[0-9]{6}-[0-9]{3}-[0-9a-f]{6}$/);
  });

  it('puts A1111 infotext in the PNG (parameters chunk) and in the sidecar', async () => {
    const store = await HistoryStore.open(dir, logger);
    const entry = await store.save({ ...fields(7), params: img2imgParamsSchema.parse({ seed: 7, prompt: 'a cat', steps: 12 }) }, image);
    const chunks = readTextChunks(fs.readFileSync(await store.pngFile(entry)));
    expect(chunks.parameters).toBe(entry.infotext);
    expect(parseInfotext(chunks.parameters)).toMatchObject({ Prompt: 'a cat', Steps: '12', Seed: '7', Sampler: 'DDIM', 'Size-1': '2', 'Size-2': '1', Model: 'tiny' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, `${entry.id}.json`), 'utf8')).infotext).toBe(entry.infotext);
  });

  describe('the PNG after done', () => {
    const pictures: [string, RawImage][] = [
      ['8-bit RGBA', { width: 5, height: 3, channels: 4, bitDepth: 8, data: Uint8Array.from({ length: 60 }, (_, i) => (i * 37) % 256) }],
      ['8-bit RGB', { width: 5, height: 3, channels: 3, bitDepth: 8, data: Uint8Array.from({ length: 45 }, (_, i) => (i * 53) % 256) }],
      ['16-bit RGBA', { width: 5, height: 3, channels: 4, bitDepth: 16, data: Uint16Array.from({ length: 60 }, (_, i) => (i * 4099) % 65536) }],
      ['16-bit RGB', { width: 5, height: 3, channels: 3, bitDepth: 16, data: Uint16Array.from({ length: 45 }, (_, i) => (i * 7919) % 65536) }],
    ];
    const sized = (seed: number, picture: RawImage): NewHistoryEntry => ({ ...fields(seed), width: picture.width, height: picture.height, bitDepth: picture.bitDepth });

    it.each(pictures)('%s: durable when save returns (sidecar + an image file), then the PNG with every sample', async (_name, picture) => {
      const store = await HistoryStore.open(dir, logger);
      const entry = await store.save(sized(1, picture), picture);
      expect(fs.existsSync(path.join(dir, `${entry.id}.json`))).toBe(true);
      // The raw pixels, or the PNG if its encode was quick: the PNG is renamed into place before the raw
      // file goes, so one of the two is always there, complete.
      const raw = path.join(dir, `${entry.id}.raw`);
      let early: RawImage;
      try {
        early = readUnencoded(fs.readFileSync(raw));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        early = await decodePng(fs.readFileSync(path.join(dir, `${entry.id}.png`)));
      }
      expect(Array.from(early.data)).toEqual(Array.from(picture.data));

      const png = await store.pngFile(entry);
      expect(fs.readdirSync(dir).sort()).toEqual([`${entry.id}.json`, `${entry.id}.png`]);
      const decoded = await decodePng(fs.readFileSync(png));
      expect(decoded).toMatchObject({ width: 5, height: 3, channels: picture.channels, bitDepth: picture.bitDepth });
      expect(Array.from(decoded.data)).toEqual(Array.from(picture.data));
    });

    it.each(pictures)('%s: a result a stop left as raw pixels gets its PNG at the next start', async (_name, picture) => {
      const store = await HistoryStore.open(dir, logger);
      const entry = await store.save(sized(1, picture), picture);
      await store.pngsWritten();
      // What a stop between the save and the encode leaves: the sidecar and the raw pixels, no PNG.
      fs.rmSync(path.join(dir, `${entry.id}.png`));
      fs.writeFileSync(path.join(dir, `${entry.id}.raw`), Buffer.concat(unencodedParts(picture)));
      const lines: string[] = [];
      const reopened = await HistoryStore.open(dir, pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }));
      expect(reopened.list(0, 10).items).toEqual([entry]);
      expect(fs.readdirSync(dir).sort()).toEqual([`${entry.id}.json`, `${entry.id}.png`]);
      const decoded = await decodePng(fs.readFileSync(await reopened.pngFile(entry)));
      expect(Array.from(decoded.data)).toEqual(Array.from(picture.data));
      expect(lines.some((l) => l.includes(entry.id) && l.includes('left as raw pixels'))).toBe(true);
    });

    it('removes raw pixels whose PNG is in place, or that have no sidecar; keeps and logs a damaged one', async () => {
      const picture = pictures[0][1];
      const store = await HistoryStore.open(dir, logger);
      const done = await store.save(sized(1, picture), picture);
      const unfinished = await store.save(sized(2, picture), picture);
      const damaged = await store.save(sized(3, picture), picture);
      await store.pngsWritten();
      const raw = Buffer.concat(unencodedParts(picture));
      // A stop after the PNG's rename, before the raw file's removal: the PNG stays as it is.
      const pngBefore = fs.readFileSync(path.join(dir, `${done.id}.png`));
      fs.writeFileSync(path.join(dir, `${done.id}.raw`), raw);
      // A stop between the renames: raw pixels with no sidecar, a job never reported done.
      fs.rmSync(path.join(dir, `${unfinished.id}.json`));
      fs.rmSync(path.join(dir, `${unfinished.id}.png`));
      fs.writeFileSync(path.join(dir, `${unfinished.id}.raw`), raw);
      // A raw file cut short (a damaged disk): the entry is left out, its files kept.
      fs.rmSync(path.join(dir, `${damaged.id}.png`));
      fs.writeFileSync(path.join(dir, `${damaged.id}.raw`), raw.subarray(0, -1));
      const lines: string[] = [];
      const reopened = await HistoryStore.open(dir, pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }));
      expect(reopened.list(0, 10).items.map((e) => e.id)).toEqual([done.id]);
      expect(fs.readdirSync(dir).sort()).toEqual([`${damaged.id}.json`, `${damaged.id}.raw`, `${done.id}.json`, `${done.id}.png`].sort());
      expect(fs.readFileSync(path.join(dir, `${done.id}.png`)).equals(pngBefore)).toBe(true);
      expect(lines.some((l) => l.includes(`${unfinished.id}.raw`) && l.includes('without its sidecar'))).toBe(true);
      expect(lines.some((l) => l.includes(damaged.id) && l.includes('cut short'))).toBe(true);
    });

    it('waits before encoding, so the client’s download of the result has the cores; asking for the PNG starts it', async () => {
      const picture = pictures[0][1];
      // A delay no test outlives: only pngFile can start these encodes.
      const store = await HistoryStore.open(dir, logger, { encodeDelayMs: 3_600_000 });
      const first = await store.save(sized(1, picture), picture);
      const second = await store.save(sized(2, picture), picture);
      await new Promise((resolve) => setImmediate(resolve));
      expect(fs.readdirSync(dir).sort()).toEqual([`${first.id}.json`, `${first.id}.raw`, `${second.id}.json`, `${second.id}.raw`].sort());
      // The second's PNG waits for the first's (one encode at a time, in order): both start now.
      const png = await store.pngFile(second);
      expect(Array.from((await decodePng(fs.readFileSync(png))).data)).toEqual(Array.from(picture.data));
      await store.pngsWritten();
      expect(fs.readdirSync(dir).sort()).toEqual([`${first.id}.json`, `${first.id}.png`, `${second.id}.json`, `${second.id}.png`].sort());
    });

    it('encodes by itself once the delay is over', async () => {
      const picture = pictures[0][1];
      const store = await HistoryStore.open(dir, logger, { encodeDelayMs: 10 });
      const entry = await store.save(sized(1, picture), picture);
      const png = path.join(dir, `${entry.id}.png`);
      while (!fs.existsSync(png) || fs.existsSync(path.join(dir, `${entry.id}.raw`))) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(Array.from((await decodePng(fs.readFileSync(png))).data)).toEqual(Array.from(picture.data));
    });

    it('studio workers (a shared folder) write the PNG before save returns', async () => {
      const picture = pictures[2][1];
      const store = await HistoryStore.open(dir, logger, { shared: true });
      const entry = await store.save(sized(1, picture), picture);
      expect(fs.readdirSync(dir).sort()).toEqual([`${entry.id}.json`, `${entry.id}.png`]);
      const decoded = await decodePng(fs.readFileSync(store.imagePath(entry)));
      expect(Array.from(decoded.data)).toEqual(Array.from(picture.data));
    });
  });
});
