import { cropPreview, latentPreview } from '../../../../server/src/pipeline/preview';
import { tensor } from '../../../../server/src/tensor';

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
    for (let i = 0; i < preview.data.length; i += 3) {
      expect([preview.data[i], preview.data[i + 1], preview.data[i + 2]]).toEqual(Array.from(inside));
    }
  });
});
