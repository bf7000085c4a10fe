/**
 * The harness document's pixel math on small arrays. Expected values are worked out by hand from the
 * formulas (W3C Compositing §5.8; a Gaussian with σ = radius), never from the code's own output.
 */
import {
  blendChannel,
  compositePixel,
  featherPlane,
  flatten,
  gaussianBlur,
  gaussianKernel,
  maskValue,
  type CompositeLayer,
} from '../../../../plugin/src/host/browser/compositing';

const rgba = (...pixels: number[][]) => new Uint8ClampedArray(pixels.flat());
const layer = (bounds: CompositeLayer['bounds'], pixels: number[][], extra: Partial<CompositeLayer> = {}): CompositeLayer => ({
  bounds,
  pixels: rgba(...pixels),
  blendMode: 'normal',
  visible: true,
  mask: null,
  ...extra,
});

describe('difference blending', () => {
  it('is |top − bottom| per channel', () => {
    expect(blendChannel('difference', 0.25, 0.75)).toBe(0.5);
    expect(blendChannel('difference', 0.75, 0.25)).toBe(0.5);
    expect(blendChannel('normal', 0.75, 0.25)).toBe(0.25);
  });

  it('of two opaque pixels gives |top − bottom| and stays opaque', () => {
    const backdrop = rgba([100, 80, 100, 255]);
    compositePixel(backdrop, 0, [200, 50, 100, 255], 0, 'difference');
    expect(Array.from(backdrop)).toEqual([100, 30, 0, 255]);
  });

  it('of identical pixels is black (how the user sees a perfect match)', () => {
    const backdrop = rgba([17, 130, 250, 255]);
    compositePixel(backdrop, 0, [17, 130, 250, 255], 0, 'difference');
    expect(Array.from(backdrop)).toEqual([0, 0, 0, 255]);
  });

  it('through a half mask mixes the difference with the backdrop', () => {
    // αs = 128/255: Co = (128·B + 127·Cb) / 255 with B = (100, 30, 0):
    // R (128·100 + 127·100)/255 = 100, G (128·30 + 127·80)/255 = 54.9, B (128·0 + 127·100)/255 = 49.8.
    const backdrop = rgba([100, 80, 100, 255]);
    compositePixel(backdrop, 0, [200, 50, 100, 255], 0, 'difference', 128);
    expect(Array.from(backdrop)).toEqual([100, 55, 50, 255]);
  });

  it('over a transparent backdrop shows the source itself (W3C: B only applies where the backdrop exists)', () => {
    const backdrop = rgba([0, 0, 0, 0]);
    compositePixel(backdrop, 0, [200, 50, 100, 255], 0, 'difference');
    expect(Array.from(backdrop)).toEqual([200, 50, 100, 255]);
  });

  it('normal mode at half alpha over opaque: the average', () => {
    // αs = 102/255 = 0.4: Co = 0.4·Cs + 0.6·Cb → 0.4·200 + 0.6·100 = 140; 0.4·0 + 0.6·50 = 30.
    const backdrop = rgba([100, 50, 0, 255]);
    compositePixel(backdrop, 0, [200, 0, 250, 102], 0, 'normal');
    expect(Array.from(backdrop)).toEqual([140, 30, 100, 255]);
  });
});

describe('flatten', () => {
  const size = { width: 3, height: 1 };
  const background = layer({ left: 0, top: 0, width: 3, height: 1 }, [
    [10, 20, 30, 255],
    [100, 100, 100, 255],
    [200, 200, 200, 255],
  ]);

  it('composites a difference layer only inside its bounds', () => {
    const top = layer({ left: 1, top: 0, width: 2, height: 1 }, [[40, 160, 100, 255], [200, 190, 255, 255]], { blendMode: 'difference' });
    expect(Array.from(flatten(size, [background, top]))).toEqual([10, 20, 30, 255, 60, 60, 0, 255, 0, 10, 55, 255]);
  });

  it('leaves hidden layers out and applies masks per pixel', () => {
    const hidden = layer({ left: 0, top: 0, width: 1, height: 1 }, [[0, 0, 0, 255]], { visible: false });
    const masked = layer({ left: 1, top: 0, width: 2, height: 1 }, [[0, 0, 0, 255], [0, 0, 0, 255]], {
      mask: { bounds: { left: 2, top: 0, width: 1, height: 1 }, data: new Uint8Array([255]) },
    });
    // Pixel 1 is outside the mask's bounds (hidden), pixel 2 fully revealed (black).
    expect(Array.from(flatten(size, [background, hidden, masked]))).toEqual([10, 20, 30, 255, 100, 100, 100, 255, 0, 0, 0, 255]);
  });

  it('reads 0 outside a mask and 255 without one', () => {
    const mask = { bounds: { left: 2, top: 3, width: 1, height: 1 }, data: new Uint8Array([77]) };
    expect([maskValue(mask, 2, 3), maskValue(mask, 1, 3), maskValue(mask, 2, 4), maskValue(null, 9, 9)]).toEqual([77, 0, 0, 255]);
  });
});

describe('Gaussian feather', () => {
  // σ = 1: weights exp(−d²/2) for d = 0..3 are 1, 0.606531, 0.135335, 0.011109; their sum over −3..3 is
  // 2.505949, so the normalised weights are w0 = 0.399050, w1 = 0.242036, w2 = 0.054005, w3 = 0.004433.
  const w = [0.39905, 0.242036, 0.054005, 0.004433];

  it('uses normalised weights reaching 3σ', () => {
    const kernel = gaussianKernel(1);
    expect(kernel).toHaveLength(7);
    [3, 2, 1, 0, 1, 2, 3].forEach((d, i) => expect(kernel[i]).toBeCloseTo(w[d], 5));
    expect(gaussianKernel(2)).toHaveLength(13);
    expect(Array.from(gaussianKernel(0))).toEqual([1]);
  });

  it('spreads a single selected pixel as the product of the 1-D weights', () => {
    const data = new Uint8Array(49);
    data[3 * 7 + 3] = 255;
    const out = gaussianBlur(data, 7, 7, 1);
    // centre 255·w0² = 40.6, side 255·w0·w1 = 24.6, diagonal 255·w1² = 14.9, two away 255·w0·w2 = 5.5.
    expect([out[24], out[25], out[23], out[17], out[32], out[26]]).toEqual([41, 25, 25, 25, 15, 5]);
  });

  it('softens an edge symmetrically: 255·(w0+w1+w2+w3) inside, 255·(w1+w2+w3) outside', () => {
    const data = new Uint8Array([0, 0, 0, 0, 255, 255, 255, 255]);
    // 255·0.699524 = 178.4 on the first selected pixel, 255·0.300474 = 76.6 on the pixel before it,
    // 255·(1 − w3) = 253.9 three pixels in; past the row's end the edge repeats (255).
    expect(Array.from(gaussianBlur(data, 8, 1, 1))).toEqual([0, 1, 15, 77, 178, 240, 254, 255]);
  });

  it('keeps a mask that fills its area (edges repeat) and changes nothing at radius 0', () => {
    const full = new Uint8Array(12).fill(255);
    expect(Array.from(gaussianBlur(full, 4, 3, 2))).toEqual(Array.from(full));
    const data = new Uint8Array([0, 255, 0]);
    expect(Array.from(gaussianBlur(data, 3, 1, 0))).toEqual([0, 255, 0]);
  });

  it('grows the mask by 3σ on the canvas and leaves the canvas edge opaque', () => {
    const canvas = { width: 10, height: 1 };
    const plane = { bounds: { left: 0, top: 0, width: 4, height: 1 }, data: new Uint8Array(4).fill(255) };
    const feathered = featherPlane(plane, 1, canvas);
    expect(feathered.bounds).toEqual({ left: 0, top: 0, width: 7, height: 1 });
    // At the canvas edge the selection continues (255); at its inner edge the same values as above.
    expect(Array.from(feathered.data)).toEqual([255, 254, 240, 178, 77, 15, 1]);
  });
});
