import type { RawImage } from '../../../../server/src/engine/types';
import { resizeRawOffThread } from '../../../../server/src/image/resize-off-thread';
import { resizeRawLanczos } from '../../../../server/src/image/resize-raw';
import { syntheticImage } from '../../../helpers/synthetic-image';

function busyImage(width: number, height: number, channels: 3 | 4, bitDepth: 8 | 16): RawImage {
  return syntheticImage(width, height, (x, y, c) => 0.5 + 0.5 * Math.sin(x * 1.7 + y * 0.61 + c * 2.3) * Math.cos(x * y * 0.013 + c), { channels, bitDepth });
}

/** Rows [y, y + height) and columns [x, x + width) of the image, the way a crop must take them. */
function cropOf(image: RawImage, x: number, y: number, width: number, height: number): number[] {
  const out: number[] = [];
  for (let row = y; row < y + height; row++) {
    const start = (row * image.width + x) * image.channels;
    out.push(...image.data.subarray(start, start + width * image.channels));
  }
  return out;
}

describe('resizeRawOffThread', () => {
  it.each([
    { channels: 4, bitDepth: 8 },
    { channels: 3, bitDepth: 16 },
  ] as const)('gives resizeRawLanczos\'s pixels, in shared memory ($channels channels, $bitDepth-bit)', async ({ channels, bitDepth }) => {
    const image = busyImage(61, 40, channels, bitDepth);
    const resized = await resizeRawOffThread(image, 97, 75);
    const expected = resizeRawLanczos(image, 97, 75);
    expect([resized.width, resized.height, resized.channels, resized.bitDepth]).toEqual([97, 75, channels, bitDepth]);
    // By tag, not instanceof: the message arrives in Node's realm, not jest's sandbox.
    expect(Object.prototype.toString.call(resized.data.buffer)).toBe('[object SharedArrayBuffer]');
    expect(Array.from(resized.data)).toEqual(Array.from(expected.data));
  });

  it('crops the resized image to the rectangle asked for', async () => {
    const image = busyImage(50, 30, 4, 8);
    const cropped = await resizeRawOffThread(image, 80, 48, { x: 11, y: 5, width: 40, height: 32 });
    expect([cropped.width, cropped.height]).toEqual([40, 32]);
    expect(Array.from(cropped.data)).toEqual(cropOf(resizeRawLanczos(image, 80, 48), 11, 5, 40, 32));
  });

  it('leaves the event loop free while it resizes (the loop turns before the answer arrives)', async () => {
    // Small enough that moving it into shared memory takes one step: a resize on this thread would then
    // finish before any setImmediate callback could run.
    const image = busyImage(256, 256, 4, 8);
    let turns = 0;
    let resizing = true;
    const spin = (): void => {
      turns++;
      if (resizing) setImmediate(spin);
    };
    setImmediate(spin);
    const resized = resizeRawOffThread(image, 512, 512).finally(() => {
      resizing = false;
    });
    const turnsAtCall = turns;
    await resized;
    expect(turnsAtCall).toBe(0);
    expect(turns).toBeGreaterThan(0);
  });
});
