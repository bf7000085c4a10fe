import { fillLatents, keepUnmasked, LatentInpaint, maskBlendHooks, withInpaintChannels } from '../../../../../server/src/pipeline/inpaint/latents';
import { inpaintingConditioning, latentMaskOf, maskToModelSize } from '../../../../../server/src/pipeline/inpaint/inpaint';
import type { DiffusionRuntime } from '../../../../../server/src/pipeline/runtime';
import { Tensor, tensor } from '../../../../../server/src/tensor';

// Latents [1,4,1,2]: two cells, the second masked.
const mask = Float32Array.from([0, 1]);
const clean = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const noise = Float32Array.from([-1, -2, -3, -4, -5, -6, -7, -8]);
const settings = (fill: LatentInpaint['fill'], blend = true): LatentInpaint => ({ latentMask: mask, fill, blend });

describe('latent fill modes', () => {
  it('latent noise: the masked cells take the noise, in every channel', () => {
    expect(Array.from(fillLatents(clean, noise, settings('latent-noise')))).toEqual([1, -2, 3, -4, 5, -6, 7, -8]);
  });
  it('latent nothing: the masked cells are zero', () => {
    expect(Array.from(fillLatents(clean, noise, settings('latent-nothing')))).toEqual([1, 0, 3, 0, 5, 0, 7, 0]);
  });
  it.each(['original', 'fill'] as const)('%s leaves the latents alone', (fill) => {
    expect(fillLatents(clean, noise, settings(fill))).toBe(clean);
  });
});

describe('the mask blend (ordinary checkpoints)', () => {
  const latents = Float32Array.from([10, 20, 30, 40, 50, 60, 70, 80]);
  it('puts back the original outside the mask only', () => {
    expect(Array.from(keepUnmasked(latents, clean, settings('original')))).toEqual([1, 20, 3, 40, 5, 60, 7, 80]);
  });
  it('does nothing for inpainting checkpoints, nor when every cell is repainted', () => {
    expect(keepUnmasked(latents, clean, settings('original', false))).toBe(latents);
    expect(keepUnmasked(latents, clean, { latentMask: Float32Array.from([1, 1]), fill: 'original', blend: true })).toBe(latents);
  });
  it('acts on x̂₀ with the step context\'s original, for every sampler', () => {
    const hooks = maskBlendHooks(settings('original'));
    expect(hooks.blendLatents).toBeUndefined();
    const out = hooks.blendDenoised!(latents, { index: 0, total: 1, sigma: 1, timestep: 1, initLatents: clean, dims: [1, 4, 1, 2] });
    expect(Array.from(out)).toEqual([1, 20, 3, 40, 5, 60, 7, 80]);
  });
});

describe('9-channel input', () => {
  it('appends mask ‖ masked-image latents after the scaled sample', () => {
    const extra = Float32Array.from([9, 9, 9]);
    expect(Array.from(withInpaintChannels(Float32Array.from([1, 2]), { ...settings('original', false), unetExtra: extra }))).toEqual([1, 2, 9, 9, 9]);
    const plain = Float32Array.from([1, 2]);
    expect(withInpaintChannels(plain, undefined)).toBe(plain);
  });

  it('masks the picture at ≥ 0.5 (to 0, mid-grey), encodes it, scales it, and samples the mask nearest', async () => {
    // 16×8 pixels → 2×1 latent cells. The mask covers x ≥ 8 (0.6) and pixel (0, 0) only (0.7, top-left of cell 0).
    const width = 16;
    const height = 8;
    const plane = width * height;
    const maskData = new Float32Array(plane);
    for (let y = 0; y < height; y++) for (let x = 8; x < width; x++) maskData[y * width + x] = 0.6;
    maskData[0] = 0.7;
    maskData[1] = 0.4; // below 0.5: kept
    const image = tensor(new Float32Array(3 * plane).fill(0.5), [1, 3, height, width]);
    let seen: Tensor | null = null;
    const runtime = {
      encodeImage: async (t: Tensor) => {
        seen = t;
        return tensor(Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8]), [1, 4, 1, 2]);
      },
    } as unknown as DiffusionRuntime;
    const extra = await inpaintingConditioning(runtime, image, { width, height, data: maskData }, 0.5);
    const pixels = (seen as unknown as Tensor).data;
    expect(pixels[0]).toBe(0);
    expect(pixels[1]).toBe(0.5);
    expect(pixels[plane + 8]).toBe(0);
    expect(pixels[2 * plane + 7]).toBe(0.5);
    // mask cells: nearest = pixel (8·x, 8·y): cell 0 reads pixel 0 (0.7 → 1), cell 1 reads pixel 8 (0.6 → 1)
    expect(Array.from(extra)).toEqual([1, 1, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4]);
  });
});

describe('mask at model size and latent size', () => {
  it('reduces 8× and rounds: a left half mask gives the left half of the cells', () => {
    const width = 64;
    const height = 16;
    const data = new Float32Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < 32; x++) data[y * width + x] = 1;
    expect(Array.from(latentMaskOf({ width, height, data }))).toEqual([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
  });

  it('fits like the picture: enlarged, mirrored into the padding, clipped to [0, 1]', () => {
    const data = new Float32Array(8 * 8);
    for (let y = 0; y < 8; y++) data[y * 8 + 7] = 1; // the last column
    const fitted = maskToModelSize({ width: 8, height: 8, data }, { kind: 'enlarge', scaledWidth: 16, scaledHeight: 16, paddedWidth: 24, paddedHeight: 16 });
    expect(fitted.width).toBe(24);
    expect(fitted.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(fitted.data[15]).toBeGreaterThan(0.9); // the enlarged last column
    expect(fitted.data[0]).toBe(0);
    // columns past 15 mirror the enlarged mask without repeating the edge: 16 ↔ 14, 17 ↔ 13
    expect(fitted.data[16]).toBe(fitted.data[14]);
    expect(fitted.data[17]).toBe(fitted.data[13]);
  });
});
