/** @jest-environment ./test/helpers/ort-environment.js */
import * as fs from 'fs';
import * as path from 'path';
import type { RawImage } from '../../../server/src/engine/types';
import { decodePng } from '../../../server/src/image/png';
import type { BlendMode } from '../../../server/src/pipeline/tiles/blend';
import { planTiledRefine } from '../../../server/src/pipeline/tiled-refine';
import { planUpscale, ResolvedUpscaleParams, upscaleImage } from '../../../server/src/pipeline/upscale';
import type { PipelineContext } from '../../../server/src/pipeline/refine';
import { loadPipelineContext, recordingHooks } from '../../helpers/pipeline-context';
import { seamScore, tileBoundaries } from '../../helpers/seam-score';
import { sharedData } from '../../helpers/shared-data';
import { syntheticImage } from '../../helpers/synthetic-image';
import { tinyModel } from '../../helpers/tiny-model';

/**
 * Seams (issue 4): 2× upscales with the tiny model at low strength, scored at every tile boundary against
 * the same job run as a single tile (same model texture, no boundaries). Blended tiles must score ≤ 1.05;
 * hard cuts must score above, which proves the score sees seams.
 */
const PARAMS: ResolvedUpscaleParams = {
  prompt: 'a photo, best quality',
  negativePrompt: 'blurry',
  strength: 0.3,
  steps: 20,
  guidanceScale: 7.5,
  seed: 5,
  sampler: 'ddim',
  eta: 0,
  emphasis: true,
  scale: 2,
  tileSize: 512,
  tileOverlap: 64,
  colorMatch: true,
};

const images = sharedData('images');

describe('tiled upscale seams (tiny model)', () => {
  let context: PipelineContext;
  let release: () => Promise<void>;
  beforeAll(async () => {
    ({ context, release } = await loadPipelineContext(await tinyModel()));
  });
  afterAll(() => release());

  async function upscale(image: RawImage, blend: BlendMode, tileSize = PARAMS.tileSize): Promise<RawImage> {
    return (await upscaleImage(context, image, { ...PARAMS, tileSize }, recordingHooks(), {}, { blend })).image;
  }

  async function scores(image: RawImage): Promise<{ blended: number; hardCuts: number; tiles: number }> {
    const { output } = planUpscale(image.width, image.height, PARAMS);
    const { layout } = planTiledRefine(output.width, output.height, PARAMS, null);
    const boundaries = tileBoundaries(layout);
    // One tile over the whole output: a tile size past the 64-aligned canvas.
    const reference = await upscale(image, 'cosine', Math.ceil(Math.max(output.width, output.height) / 64) * 64);
    const score = async (blend: BlendMode) => seamScore(await upscale(image, blend), boundaries, { reference }).score;
    return { blended: await score('cosine'), hardCuts: await score('none'), tiles: layout.tiles.length };
  }

  it('a smooth diagonal gradient: no seams when blended, seams when cut', async () => {
    const gradient = syntheticImage(512, 512, (x, y, c) => [(x + y) / 1024, 0.3 + x / 2048, 0.8 - y / 1024][c]);
    const result = await scores(gradient);
    expect(result.tiles).toBe(9);
    expect(result.blended).toBeLessThanOrEqual(1.05);
    expect(result.hardCuts).toBeGreaterThan(1.05);
  });

  (images ? it : it.skip)('a real photo: no seams when blended, seams when cut', async () => {
    const photo = await decodePng(fs.readFileSync(path.join(images as string, 'astronaut.png')));
    const result = await scores(photo);
    expect(result.tiles).toBe(9);
    expect(result.blended).toBeLessThanOrEqual(1.05);
    expect(result.hardCuts).toBeGreaterThan(1.05);
  });
});
