import * as fs from 'fs';
import * as path from 'path';
import { decodePng, encodePng, ImageFormatError } from '../../../../server/src/image/png';
import type { RawImage } from '../../../../server/src/engine/types';
import { sharedData } from '../../../helpers/shared-data';

describe('PNG codec', () => {
  it('round-trips 16-bit RGBA exactly (sharp, rgb16)', async () => {
    const data = Uint16Array.from({ length: 5 * 3 * 4 }, (_, i) => (i * 4099) % 65536);
    const image: RawImage = { width: 5, height: 3, channels: 4, bitDepth: 16, data };
    const back = await decodePng(await encodePng(image));
    expect(back).toMatchObject({ width: 5, height: 3, channels: 4, bitDepth: 16 });
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('round-trips 8-bit RGB exactly', async () => {
    const data = Uint8Array.from({ length: 7 * 2 * 3 }, (_, i) => (i * 37) % 256);
    const back = await decodePng(await encodePng({ width: 7, height: 2, channels: 3, bitDepth: 8, data }));
    expect(back.bitDepth).toBe(8);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('rejects bytes that are not a PNG, and a truncated PNG, with a sentence', async () => {
    await expect(decodePng(Buffer.from('hello, not an image'))).rejects.toThrow(ImageFormatError);
    const png = await encodePng({ width: 8, height: 8, channels: 3, bitDepth: 8, data: new Uint8Array(192).fill(9) });
    await expect(decodePng(png.subarray(0, 30))).rejects.toThrow(/corrupt PNG/);
  });

  const images = sharedData('images');
  (images ? it : it.skip)('reads the 16-bit test image as 16 bits', async () => {
    const image = await decodePng(fs.readFileSync(path.join(images!, 'derived_vangogh_16bit.png')));
    expect(image.bitDepth).toBe(16);
    // a real 16-bit image uses values that are not multiples of 257 (an 8-bit image widened)
    expect(Array.from(image.data.subarray(0, 3000)).some((v) => v % 257 !== 0)).toBe(true);
  });
});
