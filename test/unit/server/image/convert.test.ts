import { cropTensor, modelTensorToRaw, rawToModelTensor, reflectIndex, reflectPad } from '../../../../server/src/image/convert';
import type { RawImage } from '../../../../server/src/engine/types';
import { tensor } from '../../../../server/src/tensor';

describe('pixel ↔ model tensor conversion', () => {
  it('maps 8-bit 0/255 to -1/1 in NCHW order and back exactly', () => {
    const image: RawImage = { width: 2, height: 1, channels: 4, bitDepth: 8, data: Uint8Array.from([0, 128, 255, 7, 255, 0, 64, 200]) };
    const t = rawToModelTensor(image);
    expect(t.dims).toEqual([1, 3, 1, 2]);
    expect(t.data[0]).toBe(-1); // R of pixel 0
    expect(t.data[1]).toBe(1); // R of pixel 1
    expect(t.data[4]).toBe(1); // B of pixel 0
    const back = modelTensorToRaw(t, 8, image);
    expect(Array.from(back.data)).toEqual(Array.from(image.data)); // alpha 7 and 200 copied through
  });

  it('writes into a given array of the right length (a scratch buffer), with the values of a new one', () => {
    const image: RawImage = { width: 3, height: 1, channels: 4, bitDepth: 8, data: Uint8Array.from([0, 1, 2, 3, 50, 60, 70, 80, 253, 254, 255, 0]) };
    const into = new Float32Array(9).fill(42);
    const t = rawToModelTensor(image, into);
    expect(t.data).toBe(into);
    expect(Array.from(into)).toEqual(Array.from(rawToModelTensor(image).data));
    // A length that does not fit is left alone: a new array is made.
    const wrong = new Float32Array(6);
    expect(rawToModelTensor(image, wrong).data).not.toBe(wrong);
  });

  it('round-trips every 16-bit level', () => {
    const data = Uint16Array.from({ length: 3 * 1000 }, (_, i) => (i * 65) % 65536);
    const image: RawImage = { width: 1000, height: 1, channels: 3, bitDepth: 16, data };
    expect(Array.from(modelTensorToRaw(rawToModelTensor(image), 16).data)).toEqual(Array.from(data));
  });

  it('rounds and clips as diffusers: round(clip((x + 1) / 2, 0, 1) × 255)', () => {
    const t = tensor(Float32Array.from([-2, 0, 2]), [1, 3, 1, 1]);
    expect(Array.from(modelTensorToRaw(t, 8).data)).toEqual([0, 128, 255]); // (0+1)/2·255 = 127.5 → 128
  });
});

describe('reflection padding', () => {
  it('mirrors without repeating the edge (numpy "reflect")', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7].map((i) => reflectIndex(i, 4))).toEqual([0, 1, 2, 3, 2, 1, 0, 1]);
    expect(reflectIndex(5, 1)).toBe(0);
  });

  it('pads right and bottom, and cropping gives the original back', () => {
    const t = tensor(Float32Array.from([1, 2, 3, 4, 5, 6]), [1, 1, 2, 3]);
    const padded = reflectPad(t, 5, 3);
    expect(Array.from(padded.data)).toEqual([1, 2, 3, 2, 1, 4, 5, 6, 5, 4, 1, 2, 3, 2, 1]);
    expect(Array.from(cropTensor(padded, 3, 2).data)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
