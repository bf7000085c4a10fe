import * as http from 'http';
import type { AddressInfo } from 'net';
import type { Response } from 'express';
import { ApiError, RAW_HEADERS } from '../../../../shared/src';
import type { RawImage } from '../../../../server/src/engine/types';
import { RAW_CHUNK_PIXELS, rawFromBytes, sendRaw, toRgba } from '../../../../server/src/http/pixels';

/** Serves `image` through sendRaw on a real socket and reads the whole answer back. */
async function download(image: RawImage): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  const server = http.createServer((_req, res) => {
    void sendRaw(res as unknown as Response, image);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      }).on('error', reject);
    });
  } finally {
    server.close();
  }
}

describe('rawFromBytes', () => {
  it('reads 8-bit RGBA', () => {
    const image = rawFromBytes(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), { width: 2, height: 1, bitDepth: 8 });
    expect(image).toMatchObject({ width: 2, height: 1, channels: 4, bitDepth: 8 });
    expect(Array.from(image.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('reads 16-bit RGBA as little-endian, from an unaligned buffer', () => {
    const bytes = Buffer.alloc(9);
    [0x0100, 0xffff, 0x0000, 0x8000].forEach((v, i) => bytes.writeUInt16LE(v, 1 + i * 2));
    const image = rawFromBytes(bytes.subarray(1), { width: 1, height: 1, bitDepth: 16 });
    expect(image.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(image.data)).toEqual([0x0100, 0xffff, 0x0000, 0x8000]);
  });

  it.each([
    [7, 2, 1, 8],
    [9, 2, 1, 8],
    [8, 2, 1, 16],
  ])('refuses %i bytes for %i×%i at %i bits, naming the count', (count, width, height, bitDepth) => {
    const run = (): unknown => rawFromBytes(new Uint8Array(count), { width, height, bitDepth: bitDepth as 8 | 16 });
    expect(run).toThrow(ApiError);
    expect(run).toThrow(`got ${count} bytes`);
  });
});

describe('toRgba', () => {
  it('adds an opaque alpha to RGB', () => {
    const rgba = toRgba({ width: 2, height: 1, channels: 3, bitDepth: 16, data: Uint16Array.from([1, 2, 3, 4, 5, 6]) });
    expect(Array.from(rgba.data)).toEqual([1, 2, 3, 65535, 4, 5, 6, 65535]);
  });
});

describe('sendRaw', () => {
  // More pixels than one write (64 Ki), and not a multiple of it: the slices must join up exactly. The
  // last case is over the 8 MiB a download queues before it waits for the socket to drain.
  it.each([
    { channels: 3, bitDepth: 16, width: 701, height: 401 },
    { channels: 4, bitDepth: 8, width: 701, height: 401 },
    { channels: 3, bitDepth: 16, width: 1501, height: 1001 },
  ] as const)('sends $channels-channel $bitDepth-bit pixels ($width×$height) as RGBA in slices, every byte in place', async ({ channels, bitDepth, width, height }) => {
    const samples = width * height * channels;
    const data = bitDepth === 16 ? new Uint16Array(samples) : new Uint8Array(samples);
    for (let i = 0; i < samples; i++) data[i] = (i * 7919) % (bitDepth === 16 ? 65536 : 256);
    const image: RawImage = { width, height, channels, bitDepth, data };
    const { headers, body } = await download(image);
    const expected = toRgba(image).data;
    expect(Number(headers['content-length'])).toBe(expected.byteLength);
    expect([RAW_HEADERS.width, RAW_HEADERS.height, RAW_HEADERS.bitDepth].map((name) => headers[name.toLowerCase()])).toEqual([String(width), String(height), String(bitDepth)]);
    expect(body.equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true);
  });

  // A client whose receive buffer always has room: every write completes at once and never asks to wait
  // for 'drain' (Linux loopback takes up to 32 MB that way). The slices must still go one per turn of
  // the event loop, or a 64 MB download holds the loop for the whole socket copy.
  it('writes at most one slice per turn of the event loop, even when no write has to wait', async () => {
    const width = 1000;
    const height = 300;
    const image: RawImage = { width, height, channels: 4, bitDepth: 8, data: new Uint8Array(width * height * 4) };
    let turn = 0;
    let sending = true;
    const spin = (): void => {
      turn++;
      if (sending) setImmediate(spin);
    };
    setImmediate(spin);
    const writes: { turn: number; bytes: number }[] = [];
    const res = {
      destroyed: false,
      setHeader: () => undefined,
      write: (chunk: Buffer) => {
        writes.push({ turn, bytes: chunk.byteLength });
        return true;
      },
      end: () => undefined,
      on: () => undefined,
      off: () => undefined,
    };
    await sendRaw(res as unknown as Response, image);
    sending = false;
    expect(writes.reduce((sum, w) => sum + w.bytes, 0)).toBe(width * height * 4);
    expect(writes.length).toBe(Math.ceil((width * height) / RAW_CHUNK_PIXELS));
    expect(Math.max(...writes.map((w) => w.bytes))).toBe(RAW_CHUNK_PIXELS * 4);
    const turns = writes.map((w) => w.turn);
    expect(new Set(turns).size).toBe(turns.length);
  });
});
