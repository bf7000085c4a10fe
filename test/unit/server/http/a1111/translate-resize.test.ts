/**
 * A1111 img2img with an init image of another size than width×height: the resize (and crop) runs on a
 * worker thread. resize-raw is mocked here so that a call on this thread would be seen; the worker thread
 * loads the real module.
 */
import type { RawImage } from '../../../../../server/src/engine/types';
import { planImg2Img } from '../../../../../server/src/http/a1111/translate';
import { img2imgRequestSchema } from '../../../../../server/src/http/a1111/schemas';
import * as resizeRaw from '../../../../../server/src/image/resize-raw';
import { DEFAULT_LIMITS } from '../../../../../shared/src';
import { syntheticImage } from '../../../../helpers/synthetic-image';

jest.mock('../../../../../server/src/image/resize-raw', () => {
  const actual = jest.requireActual('../../../../../server/src/image/resize-raw');
  return { ...actual, resizeRawLanczos: jest.fn(actual.resizeRawLanczos) };
});

const mainThreadResize = resizeRaw.resizeRawLanczos as jest.Mock;
const { resizeRawLanczos } = jest.requireActual<typeof resizeRaw>('../../../../../server/src/image/resize-raw');

function init(width: number, height: number): RawImage {
  return syntheticImage(width, height, (x, y, c) => 0.5 + 0.4 * Math.sin(x * 0.9 + y * 0.37 + c), { channels: 3 });
}

function plan(resizeMode: number, image: RawImage) {
  const request = img2imgRequestSchema.parse({ prompt: 'x', width: 64, height: 48, resize_mode: resizeMode, init_images: ['unused'] });
  return planImg2Img(request, [image], null, () => undefined, DEFAULT_LIMITS);
}

beforeEach(() => mainThreadResize.mockClear());

describe('planImg2Img resizes init images off the main thread', () => {
  it('resize_mode 0 (just resize): resizeRawLanczos\'s pixels, none of it computed here', async () => {
    const image = init(100, 40);
    const { jobs } = await plan(0, image);
    expect([jobs[0].input.width, jobs[0].input.height]).toEqual([64, 48]);
    expect(Array.from(jobs[0].input.data)).toEqual(Array.from(resizeRawLanczos(image, 64, 48).data));
    expect(mainThreadResize).not.toHaveBeenCalled();
  });

  it('resize_mode 1 (crop and resize): scaled to cover, the centre taken, none of it computed here', async () => {
    const image = init(100, 40);
    const { jobs } = await plan(1, image);
    // Cover 64×48 from 100×40: scale 1.2 → 120×48, then the centre 64 columns (x from 28).
    const scaled = resizeRawLanczos(image, 120, 48);
    const expected: number[] = [];
    for (let y = 0; y < 48; y++) expected.push(...scaled.data.subarray((y * 120 + 28) * 3, (y * 120 + 28 + 64) * 3));
    expect([jobs[0].input.width, jobs[0].input.height]).toEqual([64, 48]);
    expect(Array.from(jobs[0].input.data)).toEqual(expected);
    expect(mainThreadResize).not.toHaveBeenCalled();
  });

  it('an init image of the right size is used as it is, with no thread started', async () => {
    const image = init(64, 48);
    const { jobs } = await plan(0, image);
    expect(jobs[0].input).toBe(image);
  });
});
