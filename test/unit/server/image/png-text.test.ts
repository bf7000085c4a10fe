/** Text chunks inserted into encoded PNG bytes; sharp (libspng, which checks CRCs) is the independent reader. */
import * as zlib from 'zlib';
import sharp from 'sharp';
import { decodePng, encodePng } from '../../../../server/src/image/png';
import { PngTextError, readTextChunks, textChunk, textChunkAfterHeader, withTextChunk } from '../../../../server/src/image/png-text';
import type { RawImage } from '../../../../server/src/engine/types';

function image(bitDepth: 8 | 16): RawImage {
  const data = bitDepth === 16 ? new Uint16Array(6 * 4 * 4) : new Uint8Array(6 * 4 * 4);
  data.forEach((_, i) => (data[i] = (i * 37) % (bitDepth === 16 ? 65536 : 256)));
  return { width: 6, height: 4, channels: 4, bitDepth, data };
}

describe('PNG text chunks', () => {
  it.each([8, 16] as const)('adds a parameters chunk to a %i-bit PNG that other readers see, pixels unchanged', async (bitDepth) => {
    const png = await encodePng(image(bitDepth));
    const text = 'a cat\nNegative prompt: dog\nSteps: 3, Sampler: DDIM, Seed: 1';
    const tagged = withTextChunk(png, 'parameters', text);
    expect((await sharp(tagged).metadata()).comments).toEqual([{ keyword: 'parameters', text }]);
    expect(readTextChunks(tagged)).toEqual({ parameters: text });
    const [before, after] = [await decodePng(png), await decodePng(tagged)];
    expect(Buffer.from(after.data.buffer).equals(Buffer.from(before.data.buffer))).toBe(true);
    // Right after IHDR (signature 8 + IHDR 25 bytes), where PIL puts it.
    expect(tagged.toString('latin1', 37, 41)).toBe('tEXt');
  });

  it.each([8, 16] as const)('puts a chunk after the header of a fresh %i-bit encode as three parts, the image data a view', async (bitDepth) => {
    const png = await encodePng(image(bitDepth));
    const text = 'a cat\nSteps: 3, Sampler: DDIM, Seed: 1';
    const parts = textChunkAfterHeader(png, 'parameters', text);
    expect(parts[2].buffer).toBe(png.buffer);
    const tagged = Buffer.concat(parts);
    expect(tagged.equals(withTextChunk(png, 'parameters', text))).toBe(true);
    expect((await sharp(tagged).metadata()).comments).toEqual([{ keyword: 'parameters', text }]);
    expect(() => textChunkAfterHeader(Buffer.from('not a png at all, just some bytes here'), 'parameters', 'x')).toThrow(/signature and an IHDR/);
  });

  it('uses iTXt (UTF-8) for text that is not Latin-1, and tEXt for Latin-1 text', async () => {
    const png = await encodePng(image(8));
    const text = 'ねこ, café\nSteps: 1, Sampler: DDIM, Seed: 2';
    const tagged = withTextChunk(png, 'parameters', text);
    expect(tagged.toString('latin1', 37, 41)).toBe('iTXt');
    expect((await sharp(tagged).metadata()).comments).toEqual([{ keyword: 'parameters', text }]);
    expect(readTextChunks(tagged).parameters).toBe(text);
    expect(textChunk('k', 'café').toString('latin1', 4, 8)).toBe('tEXt');
  });

  it('replaces an earlier chunk with the same keyword and keeps the others', async () => {
    const png = await encodePng(image(8));
    const twice = withTextChunk(withTextChunk(withTextChunk(png, 'parameters', 'old'), 'Software', 'x'), 'parameters', 'new');
    expect(readTextChunks(twice)).toEqual({ parameters: 'new', Software: 'x' });
  });

  it('reads compressed zTXt and iTXt chunks written by other tools', async () => {
    const png = await encodePng(image(8));
    const body = (type: string, data: Buffer): Buffer => {
      const head = Buffer.alloc(8);
      head.writeUInt32BE(data.length);
      head.write(type, 4, 'latin1');
      const crc = Buffer.alloc(4);
      crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0);
      return Buffer.concat([head, data, crc]);
    };
    const ztxt = body('zTXt', Buffer.concat([Buffer.from('comment\0\0', 'latin1'), zlib.deflateSync(Buffer.from('zipped', 'latin1'))]));
    const itxt = body('iTXt', Buffer.concat([Buffer.from('parameters\0\x01\0en\0\0', 'latin1'), zlib.deflateSync(Buffer.from('ü text', 'utf8'))]));
    const withBoth = Buffer.concat([png.subarray(0, 33), ztxt, itxt, png.subarray(33)]);
    expect(readTextChunks(withBoth)).toEqual({ comment: 'zipped', parameters: 'ü text' });
  });

  it('refuses bytes that are not a PNG, and keywords PNG does not allow', () => {
    expect(() => readTextChunks(Buffer.from('GIF89a....'))).toThrow(PngTextError);
    expect(() => withTextChunk(Buffer.from('nope'), 'parameters', 'x')).toThrow(/not a PNG/);
    expect(() => textChunk('', 'x')).toThrow(/keyword/);
    expect(() => textChunk('x'.repeat(80), 'x')).toThrow(/keyword/);
  });
});
