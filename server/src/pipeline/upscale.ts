/**
 * Tiled upscale ("SD upscale", issue 4): Lanczos enlargement to the target size, then img2img tile by tile
 * (tiled-refine.ts). The 'insane' recipe first refines the picture at the model's resolution (a small
 * input enlarged so its short side is 512), then upscales that: the seed article's 430 → 512 → 1024 chain.
 */
import type { JobHooks, PipelineContext, ResolvedImg2ImgParams } from './refine';
import { refineCrop } from './refine';
import type { RawImage, UpscaleParams } from '../engine/types';
import { resizeRawLanczos } from '../image/resize-raw';
import { MODEL_SHORT_SIDE, planFit } from './fit';
import { planTiledRefine, refineTiled, TiledRefineOptions } from './tiled-refine';

export type ResolvedUpscaleParams = UpscaleParams & ResolvedImg2ImgParams;

export interface Size {
  width: number;
  height: number;
}

export interface UpscalePlan {
  /** The 'insane' recipe's first img2img pass, at this size; null without the recipe. */
  firstPass: Size | null;
  output: Size;
}

/** Sizes of the stages: output = round(input × scale), after the recipe's first pass if any. */
export function planUpscale(width: number, height: number, params: Pick<UpscaleParams, 'scale' | 'recipe'>): UpscalePlan {
  let base: Size = { width, height };
  let firstPass: Size | null = null;
  if (params.recipe === 'insane') {
    const short = Math.min(width, height);
    const enlarge = short < MODEL_SHORT_SIDE ? MODEL_SHORT_SIDE / short : 1;
    firstPass = { width: Math.round(width * enlarge), height: Math.round(height * enlarge) };
    base = firstPass;
  }
  const output = { width: Math.max(1, Math.round(base.width * params.scale)), height: Math.max(1, Math.round(base.height * params.scale)) };
  return { firstPass, output };
}

/** Tiles an img2img pass over a crop of this size runs: 1, or the layout's count for crops over 1024 px. */
function img2imgTileCount(size: Size, fixedLatentSize: [number, number] | null, tiles: UpscaleParams): number {
  const fixed = fixedLatentSize ? Math.min(fixedLatentSize[0], fixedLatentSize[1]) * 8 : null;
  const fit = planFit(size.width, size.height, fixed);
  if (fit.kind !== 'tiles') return 1;
  return planTiledRefine(size.width, size.height, { ...tiles, tileSize: fit.tileSize }, fixedLatentSize).layout.tiles.length;
}

function timedResize(image: RawImage, size: Size, timings: Record<string, number>): RawImage {
  const start = performance.now();
  const resized = resizeRawLanczos(image, size.width, size.height);
  timings.resize = (timings.resize ?? 0) + (performance.now() - start);
  return resized;
}

/** Progress of one stage reported as part of the whole job: tiles numbered on from `before`. */
function stageHooks(hooks: JobHooks, before: number, totalTiles: number): JobHooks {
  return {
    isCancelled: hooks.isCancelled,
    previewDue: hooks.previewDue,
    onProgress: (progress) => hooks.onProgress({ ...progress, tile: before + progress.tile, totalTiles }),
  };
}

export async function upscaleImage(
  context: PipelineContext,
  image: RawImage,
  params: ResolvedUpscaleParams,
  hooks: JobHooks,
  timings: Record<string, number>,
  options: TiledRefineOptions = {},
): Promise<{ image: RawImage; stepsRun: number }> {
  const plan = planUpscale(image.width, image.height, params);
  const { fixedLatentSize } = context.runtime;
  const upscaleTiles = planTiledRefine(plan.output.width, plan.output.height, params, fixedLatentSize).layout.tiles.length;
  const firstPassTiles = plan.firstPass ? img2imgTileCount(plan.firstPass, fixedLatentSize, params) : 0;
  const totalTiles = firstPassTiles + upscaleTiles;

  const source = plan.firstPass
    ? (await refineCrop(context, timedResize(image, plan.firstPass, timings), params, stageHooks(hooks, 0, totalTiles), timings)).image
    : image;
  const enlarged = timedResize(source, plan.output, timings);
  return refineTiled(context, enlarged, params, stageHooks(hooks, firstPassTiles, totalTiles), timings, options);
}

