/**
 * Upload bodies go into shared memory as they arrive (no big copy at the end, none when posted to the
 * worker): the non-timing half of "no event-loop gap > 50 ms" (the timing half is in `npm run bench`).
 */
import { PassThrough, Readable } from 'stream';
import type { Request } from 'express';
import { DEFAULT_LIMITS } from '../../../../shared/src';
import { lazySharedBuffer, readRawUpload, toSharedImage } from '../../../../server/src/http/upload-body';

function fakeRequest(headers: Record<string, string>): PassThrough & Request {
  return Object.assign(new PassThrough(), { headers }) as unknown as PassThrough & Request;
}

describe('readRawUpload', () => {
  it('copies each chunk into a SharedArrayBuffer of the announced size', async () => {
    const req = fakeRequest({ 'content-length': '32' });
    const reading = readRawUpload(req, { width: 2, height: 2, bitDepth: 16 }, DEFAULT_LIMITS);
    for (let i = 0; i < 4; i++) req.write(Buffer.alloc(8, i + 1));
    req.end();
    const image = await reading;
    expect(image.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(image.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(image.data)).toEqual([0x0101, 0x0101, 0x0101, 0x0101, 0x0202, 0x0202, 0x0202, 0x0202, 0x0303, 0x0303, 0x0303, 0x0303, 0x0404, 0x0404, 0x0404, 0x0404]);
  });

  it('refuses a Content-Length that does not match the size before reading, and a body that runs over or short', async () => {
    expect(() => readRawUpload(fakeRequest({ 'content-length': '15' }), { width: 2, height: 2, bitDepth: 8 }, DEFAULT_LIMITS)).toThrow(/got 15 bytes, but 2×2 RGBA at 8 bits needs exactly 16 bytes/);
    const over = fakeRequest({});
    const overRead = readRawUpload(over, { width: 2, height: 2, bitDepth: 8 }, DEFAULT_LIMITS);
    over.end(Buffer.alloc(17));
    await expect(overRead).rejects.toThrow(/more than 16 bytes/);
    const short = fakeRequest({});
    const shortRead = readRawUpload(short, { width: 2, height: 2, bitDepth: 8 }, DEFAULT_LIMITS);
    short.end(Buffer.alloc(3));
    await expect(shortRead).rejects.toThrow(/got 3 bytes/);
  });
});

describe('readRawUpload, a large body', () => {
  it('copies at most about 1 MB per turn of the event loop, pausing the request until the next turn', async () => {
    const side = 1024; // 4 MB of RGBA
    const chunk = 64 * 1024;
    // Everything already arrived: without a budget, one turn would copy all of it.
    const req = Object.assign(new Readable({ read() {}, highWaterMark: 64 * 2 ** 20 }), { headers: {} }) as unknown as Readable & Request;
    for (let offset = 0; offset < side * side * 4; offset += chunk) req.push(Buffer.alloc(chunk, (offset / chunk) % 251));
    req.push(null);
    const reading = readRawUpload(req, { width: side, height: side, bitDepth: 8 }, DEFAULT_LIMITS);
    let turn = 0;
    let finished = false;
    const tick = (): void => {
      turn++;
      if (!finished) setImmediate(tick);
    };
    setImmediate(tick);
    const perTurn = new Map<number, number>();
    req.on('data', (c: Buffer) => perTurn.set(turn, (perTurn.get(turn) ?? 0) + c.length));
    const image = await reading;
    finished = true;
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(2 ** 20);
    expect(perTurn.size).toBeGreaterThanOrEqual(4);
    // Every chunk landed where it belongs.
    for (let i = 0; i < (side * side * 4) / chunk; i++) expect(image.data[i * chunk]).toBe(i % 251);
  });
});

describe('lazySharedBuffer', () => {
  // calloc, once glibc reuses heap memory for it, clears a whole upload's buffer in one turn (67–91 ms for
  // 16 MB in the upscale bench): a large buffer must cost nothing until each slice is written. The heap
  // state that makes calloc clear up front cannot be set up here (a fresh process maps big blocks lazily
  // too), so the test also checks that the buffer comes from V8's page allocator (growable), which never does.
  it('reserves a large buffer without touching its pages; the writes fault them in', () => {
    const bytes = 16 * 2 ** 20;
    const pages = bytes / 4096;
    const faults = (): number => process.resourceUsage().minorPageFault;
    const before = faults();
    const buffer = lazySharedBuffer(bytes);
    const afterAllocation = faults();
    expect(buffer.byteLength).toBe(bytes);
    expect((buffer as unknown as { growable: boolean }).growable).toBe(true);
    expect(afterAllocation - before).toBeLessThan(pages / 16);
    // The same count shows the pages do come in as they are written (so the first count means something).
    new Uint8Array(buffer).fill(1, 0, bytes / 2);
    expect(faults() - afterAllocation).toBeGreaterThan(pages / 4);
  });

  it('gives a small buffer of the asked size, shared and zeroed', () => {
    const buffer = lazySharedBuffer(1000);
    expect(buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(buffer.byteLength).toBe(1000);
    expect(new Uint8Array(buffer).every((v) => v === 0)).toBe(true);
  });
});

describe('toSharedImage', () => {
  it('moves pixels into shared memory in slices, keeping their values', async () => {
    const data = new Uint16Array(3 * 2 ** 20).map((_, i) => i % 65536);
    const shared = await toSharedImage({ width: 1024, height: 768, channels: 4, bitDepth: 16, data });
    expect(shared.data.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(shared.data).toBeInstanceOf(Uint16Array);
    // Compared as bytes: jest's toEqual walks millions of elements one by one.
    const bytes = (a: Uint16Array | Uint8Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(shared.data).equals(bytes(data))).toBe(true);
    expect(await toSharedImage(shared)).toBe(shared);
  });
});
