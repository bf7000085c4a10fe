import { cropPreview, latentPreview } from '../../../../server/src/pipeline/preview';
import { Tensor, tensor } from '../../../../server/src/tensor';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

/**
 * The preview as first written (per-pixel closure, whole latent mapped first): the plain statement of
 * what cropPreview must produce. The optimised version has to give the same bytes.
 */
function referenceCropPreview(latents: Tensor, visibleWidth: number, visibleHeight: number) {
  const factors = [
    [0.3512, 0.2297, 0.3227],
    [0.325, 0.4974, 0.235],
    [-0.2829, 0.1762, 0.2721],
    [-0.212, -0.2616, -0.7177],
  ];
  const [, , h, w] = latents.dims;
  const full = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = 0; k < 4; k++) v += latents.data[k * h * w + i] * factors[k][c];
      full[i * 3 + c] = math.round(math.min(1, math.max(0, (v + 1) / 2)) * 255);
    }
  }
  const cellsWide = math.min(w, math.max(1, math.round(visibleWidth / 8)));
  const cellsHigh = math.min(h, math.max(1, math.round(visibleHeight / 8)));
  const scale = 256 / math.max(visibleWidth, visibleHeight);
  const width = math.max(1, math.round(visibleWidth * scale));
  const height = math.max(1, math.round(visibleHeight * scale));
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = math.min(cellsHigh - 1, math.max(0, ((y + 0.5) * cellsHigh) / height - 0.5));
    const y0 = math.floor(sy);
    const y1 = math.min(cellsHigh - 1, y0 + 1);
    for (let x = 0; x < width; x++) {
      const sx = math.min(cellsWide - 1, math.max(0, ((x + 0.5) * cellsWide) / width - 0.5));
      const x0 = math.floor(sx);
      const x1 = math.min(cellsWide - 1, x0 + 1);
      for (let c = 0; c < 3; c++) {
        const at = (yy: number, xx: number) => full[(yy * w + xx) * 3 + c];
        const top = at(y0, x0) * (1 - (sx - x0)) + at(y0, x1) * (sx - x0);
        const bottom = at(y1, x0) * (1 - (sx - x0)) + at(y1, x1) * (sx - x0);
        data[(y * width + x) * 3 + c] = math.round(top * (1 - (sy - y0)) + bottom * (sy - y0));
      }
    }
  }
  return { width, height, data };
}

function randomLatents(h: number, w: number, seed: number): Tensor {
  const data = new Float32Array(4 * h * w);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s / 2 ** 32) * 6 - 3; // beyond [-1, 1] after the map, so clamping is exercised
  }
  return tensor(data, [1, 4, h, w]);
}

/** Latents [1,4,h,w] with channel 0 = `inside` over the first `visibleW`×`visibleH` cells and `outside` elsewhere. */
function latents(h: number, w: number, visibleH: number, visibleW: number, inside: number, outside: number) {
  const data = new Float32Array(4 * h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = y < visibleH && x < visibleW ? inside : outside;
  return tensor(data, [1, 4, h, w]);
}

describe('live preview', () => {
  it('maps latents to RGB with the fixed SD 1.x factors: channel 0 alone gives (0.3512, 0.2297, 0.3227)·v', () => {
    const rgb = latentPreview(latents(1, 1, 1, 1, 1, 0)).data;
    // (v·f + 1) / 2 · 255, rounded: f = 0.3512 → 172, 0.2297 → 157, 0.3227 → 169
    expect(Array.from(rgb)).toEqual([172, 157, 169]);
  });

  it('shows only the crop (not the reflection padding), at the crop’s aspect, 256 px on its long side', () => {
    // a 300×200 crop padded to 320×256: 40×32 latent cells, of which 38×25 are the crop
    const preview = cropPreview(latents(32, 40, 25, 38, 1, -3), 300, 200);
    expect([preview.width, preview.height]).toEqual([256, 171]);
    const inside = latentPreview(latents(1, 1, 1, 1, 1, 0)).data;
    // Every pixel is the inside colour: the set of colours is that one (one assertion, not one per pixel,
    // whose 43 776 expects cost seconds of CPU).
    const colours = new Set<string>();
    for (let i = 0; i < preview.data.length; i += 3) colours.add(`${preview.data[i]},${preview.data[i + 1]},${preview.data[i + 2]}`);
    expect([...colours]).toEqual([Array.from(inside).join(',')]);
  });

  it.each([
    [64, 64, 512, 512],
    [32, 40, 300, 200],
    [40, 32, 200, 300],
    [128, 96, 700, 1010],
    [8, 8, 10, 3],
  ])('gives the same bytes as the plain reference (latents %i×%i, crop %i×%i)', (h, w, visibleWidth, visibleHeight) => {
    const latents = randomLatents(h, w, h * 1000 + w);
    const expected = referenceCropPreview(latents, visibleWidth, visibleHeight);
    const preview = cropPreview(latents, visibleWidth, visibleHeight);
    expect([preview.width, preview.height]).toEqual([expected.width, expected.height]);
    expect(Buffer.from(preview.data).equals(Buffer.from(expected.data))).toBe(true);
  });
});
