/**
 * img2img tile by tile at the image's own resolution (issue 4): the engine of the tiled upscale, and of crop
 * fitting for crops over 1024 px (DESIGN §4, scale 1). Tiles come from tiles/: one latent noise field for
 * the whole canvas, cosine blending across the whole overlap, per-tile colour matching, and assembly in
 * place so that memory does not grow with the tile count.
 */
import type { RawImage } from '../engine/types';
import { cropTensor } from '../image/convert';
import { createSampler } from '../schedulers';
import { encodeScheduledConditioning } from './scheduled-conditioning';
import { img2imgTensor } from './denoise';
import { roundUpTo, SIZE_MULTIPLE } from './fit';
import { philoxNoise } from './noise';
import type { JobHooks, PipelineContext, ResolvedImg2ImgParams } from './refine';
import { BlendMode } from './tiles/blend';
import { TileAssembler } from './tiles/assembler';
import { matchColorStats } from './tiles/color-match';
import { LATENT_CELL, planTiles, Tile, TileLayout } from './tiles/layout';
import { TiledNoise } from './tiles/noise';
import { Rect, rect } from './tiles/rect';
import { cutSourceTile } from './tiles/source-tile';
import { LatentInpaint, maskBlendHooks } from './inpaint/latents';
import type { Tensor } from '../tensor';

export interface TileParams {
  tileSize: number;
  tileOverlap: number;
  /** Match each tile's per-channel mean/std to the same tile of the source. */
  colorMatch: boolean;
}

export type TiledRefineParams = ResolvedImg2ImgParams & TileParams;

export interface TiledRefineOptions {
  /** 'none' cuts tiles hard: only for tests that must show seams exist without blending. */
  blend?: BlendMode;
  /**
   * Inpainting a large crop (pipeline/inpaint): the tile's mask settings and its (filled) picture, or null
   * when the mask does not touch the tile, which then keeps its pixels without a model run.
   */
  inpaintTile?: (modelRect: Rect, source: Tensor) => Promise<{ source: Tensor; inpaint: LatentInpaint } | null>;
}

/** Where the model runs a tile: the tile, grown right and down to a size the model accepts. */
interface TilePlan {
  layout: TileLayout;
  modelRect(tile: Tile): Rect;
  /** The noise field covering every model rectangle. */
  fieldDims: [number, number, number, number];
}

/**
 * The layout for an image on a runtime. The canvas is aligned to 64 px (the UNet halves 8× latents three
 * times), so a single small tile is a multiple of 64; tiles of a size that is not (tileSize 520) run grown
 * to the next multiple, and a static-shape export runs every tile at its fixed size (tiles of that size).
 */
export function planTiledRefine(width: number, height: number, tiles: TileParams, fixedLatentSize: [number, number] | null): TilePlan {
  const fixed = fixedLatentSize ? [fixedLatentSize[0] * LATENT_CELL, fixedLatentSize[1] * LATENT_CELL] : null;
  const tileSize = fixed ? Math.min(fixed[0], fixed[1]) : tiles.tileSize;
  const layout = planTiles(width, height, { tileSize, overlap: tiles.tileOverlap, canvasAlign: SIZE_MULTIPLE });
  const modelWidth = fixed ? fixed[1] : roundUpTo(layout.tileWidth, SIZE_MULTIPLE);
  const modelHeight = fixed ? fixed[0] : roundUpTo(layout.tileHeight, SIZE_MULTIPLE);
  const lastColumn = layout.columnOrigins[layout.columnOrigins.length - 1];
  const lastRow = layout.rowOrigins[layout.rowOrigins.length - 1];
  return {
    layout,
    modelRect: (tile) => rect(tile.rect.x, tile.rect.y, modelWidth, modelHeight),
    fieldDims: [1, 4, (lastRow + modelHeight) / LATENT_CELL, (lastColumn + modelWidth) / LATENT_CELL],
  };
}

function addTime(timings: Record<string, number>, key: string, since: number): number {
  const now = performance.now();
  timings[key] = (timings[key] ?? 0) + (now - since);
  return now;
}

/**
 * Refines `image` tile by tile and returns it: the result is assembled **into `image` itself** (each row
 * once no remaining tile reads it), so pass a copy if the original must survive. Zero steps (strength too
 * small) leaves it untouched.
 */
export async function refineTiled(
  context: PipelineContext,
  image: RawImage,
  params: TiledRefineParams,
  hooks: JobHooks,
  timings: Record<string, number>,
  options: TiledRefineOptions = {},
): Promise<{ image: RawImage; stepsRun: number }> {
  const sampler = createSampler(params, context.schedulerConfig, { guidanceEmbedding: Boolean(context.runtime.timestepCondDim) });
  const totalSteps = sampler.steps.length;
  if (totalSteps === 0) return { image, stepsRun: 0 };

  const plan = planTiledRefine(image.width, image.height, params, context.runtime.fixedLatentSize);
  const { layout } = plan;
  const totalTiles = layout.tiles.length;
  const conditioning = await encodeScheduledConditioning(context.runtime, context.tokenizer, params, params.steps, timings);
  const noise = new TiledNoise(philoxNoise(params.seed), plan.fieldDims);
  const assembler = new TileAssembler(layout, image, { blend: options.blend });
  hooks.onProgress({ step: 0, totalSteps, tile: 1, totalTiles });

  for (const tile of layout.tiles) {
    const tileNumber = tile.index + 1;
    let t = performance.now();
    const modelRect = plan.modelRect(tile);
    const source = cutSourceTile(image, modelRect);
    addTime(timings, 'tileCut', t);
    const inpainting = options.inpaintTile ? await options.inpaintTile(modelRect, source) : undefined;
    const result = inpainting === null ? { image: source } : await img2imgTensor(context.runtime, sampler, conditioning, inpainting?.source ?? source, {
      guidanceScale: params.guidanceScale,
      noise: noise.forTile(modelRect),
      latentScale: context.latentScale,
      isCancelled: hooks.isCancelled,
      // Per-step reports carry no picture: the preview is the assembled image, refreshed per tile.
      onStep: (step, total) => hooks.onProgress({ step, totalSteps: total, tile: tileNumber, totalTiles }),
      timings,
      inpaint: inpainting?.inpaint,
      hooks: inpainting ? maskBlendHooks(inpainting.inpaint) : undefined,
    });
    t = performance.now();
    const { width, height } = tile.rect;
    let refined = cropTensor(result.image, width, height);
    if (params.colorMatch) refined = matchColorStats(refined, cropTensor(source, width, height));
    t = addTime(timings, 'colorMatch', t);
    assembler.add(tile, refined);
    t = addTime(timings, 'tileBlend', t);
    const preview = assembler.preview();
    addTime(timings, 'tilePreview', t);
    hooks.onProgress({ step: totalSteps, totalSteps, tile: tileNumber, totalTiles, preview });
  }
  const t = performance.now();
  const assembled = assembler.finish();
  addTime(timings, 'tileBlend', t);
  return { image: assembled, stepsRun: totalSteps };
}
