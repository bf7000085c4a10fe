import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import pino from 'pino';
import { HistoryStore, type NewHistoryEntry } from '../../../../server/src/history/store';
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
    expect(fs.readdirSync(dir).sort()).toEqual([`${first.id}.json`, `${first.id}.png`, `${second.id}.json`, `${second.id}.png`].sort());

    const reopened = await HistoryStore.open(dir, logger);
    expect(reopened.list(0, 10)).toEqual(store.list(0, 10));
    expect(reopened.list(1, 1).items.map((e) => e.seed)).toEqual([1]);
  });

  it('deletes only its own leftover temporary files, and skips broken or orphaned sidecars', async () => {
    const store = await HistoryStore.open(dir, logger);
    const kept = await store.save(fields(1), image);
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

  it('leaves nothing behind when a save fails, though the sidecar is flushed while the PNG encodes', async () => {
    const store = await HistoryStore.open(dir, logger);
    const kept = await store.save(fields(1), image);
    // Three bytes for a 2×1 RGBA picture: the encode fails after the sidecar's write has started.
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
    const chunks = readTextChunks(fs.readFileSync(store.imagePath(entry)));
    expect(chunks.parameters).toBe(entry.infotext);
    expect(parseInfotext(chunks.parameters)).toMatchObject({ Prompt: 'a cat', Steps: '12', Seed: '7', Sampler: 'DDIM', 'Size-1': '2', 'Size-2': '1', Model: 'tiny' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, `${entry.id}.json`), 'utf8')).infotext).toBe(entry.infotext);
  });
});
