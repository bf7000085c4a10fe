/**
 * `POST /sdapi/v1/txt2img` and `img2img`: the request becomes one job per image in the same queue as
 * /v1 (same limits, same history), and the answer waits for all of them, as A1111's does. Images come back
 * as the PNGs the history wrote (infotext included), base64; `info` is A1111's `Processed.js()` JSON.
 */
import { promises as fsp } from 'fs';
import type { Request, Response } from 'express';
import { ApiError, type ErrorCode } from '../../../../shared/src';
import { SCHEDULE_LABELS, samplerInfo } from '../../../../shared/src/samplers';
import type { Job } from '../../jobs/job';
import { isTerminal } from '../../jobs/queue';
import { clientOf } from '../jobs-routes';
import { imageInfo } from '../pixels';
import type { AppContext } from '../context';
import { decodeImage } from './images';
import { findCheckpoint, type OptionsStore } from './options';
import { img2imgRequestSchema, txt2imgRequestSchema, type Img2ImgRequest, type Txt2ImgRequest } from './schemas';
import { parseA1111, ValidationError } from './errors';
import { timestamp, type A1111State } from './state';
import { planImg2Img, planTxt2Img, type GenerationPlan } from './translate';

export interface GenerateDeps {
  ctx: AppContext;
  state: A1111State;
  options: OptionsStore;
}

function waitForAll(deps: GenerateDeps, jobs: Job[]): Promise<void> {
  const { queue } = deps.ctx;
  return Promise.all(
    jobs.map(
      (job) =>
        new Promise<void>((resolve) => {
          if (isTerminal(job)) return resolve();
          const stop = queue.subscribe(job, () => {
            if (!isTerminal(job)) return;
            stop();
            resolve();
          });
        }),
    ),
  ).then(() => undefined);
}

/** Switches to `override_settings.sd_model_checkpoint` if it is not the model loaded; returns the one to go back to. */
async function applyCheckpoint(deps: GenerateDeps, checkpoint: string | null): Promise<{ name: string; dir: string } | null> {
  const { catalog, engine, queue } = deps.ctx;
  if (checkpoint === null) return null;
  const entry = findCheckpoint(catalog, checkpoint);
  const previous = engine.model;
  if (previous && catalog.sameDir(entry.dir, previous.dir)) return null;
  await queue.selectModel(entry.name, entry.dir);
  return previous ? { name: previous.name, dir: previous.dir } : null;
}

async function run(deps: GenerateDeps, res: Response, name: string, plan: GenerationPlan, restoreModel: boolean, request: Txt2ImgRequest | Img2ImgRequest, echo: object): Promise<void> {
  const { queue, history, engine } = deps.ctx;
  const previousModel = await applyCheckpoint(deps, plan.checkpoint);
  const batch = deps.state.begin(name);
  const jobs: Job[] = batch.jobs;
  // A client that hangs up has no use for the rest of its images.
  const onClose = (): void => {
    for (const job of jobs) if (!isTerminal(job)) void Promise.resolve(queue.cancel(job, 'the A1111 client closed the connection')).catch(() => undefined);
  };
  res.on('close', onClose);
  try {
    try {
      for (const planned of plan.jobs) jobs.push(await queue.submit(planned.spec, planned.input, imageInfo(planned.input), { mask: planned.mask, client: clientOf(res.req) }));
    } catch (err) {
      onClose();
      throw err;
    }
    await waitForAll(deps, jobs);
  } finally {
    res.off('close', onClose);
    deps.state.end(batch);
    if (previousModel && restoreModel) {
      // A1111 restores overridden settings afterwards (override_settings_restore_afterwards, default true).
      queue.selectModel(previousModel.name, previousModel.dir).catch(() => undefined);
    }
  }

  const failed = jobs.find((job) => job.state === 'failed');
  if (failed?.error) throw new ApiError(failed.error.code as ErrorCode, failed.error.message);
  const warnings = [...plan.warnings];
  const images: string[] = [];
  const infotexts: string[] = [];
  for (const [i, job] of jobs.entries()) {
    const entry = job.historyId ? history.get(job.historyId) : undefined;
    if (job.state !== 'done' || !entry) {
      warnings.push(`image ${i + 1} (seed ${plan.seeds[i]}) was not made: ${job.error?.message ?? job.state}`);
      continue;
    }
    infotexts.push(entry.infotext ?? '');
    if (request.send_images) images.push((await fsp.readFile(await history.pngFile(entry))).toString('base64'));
  }
  const first = plan.jobs[0].spec.params;
  const info = {
    prompt: request.prompt,
    all_prompts: plan.seeds.map(() => request.prompt),
    negative_prompt: request.negative_prompt,
    all_negative_prompts: plan.seeds.map(() => request.negative_prompt),
    seed: plan.seeds[0],
    all_seeds: plan.seeds,
    subseed: request.subseed,
    all_subseeds: plan.seeds.map(() => request.subseed),
    subseed_strength: request.subseed_strength,
    width: request.width,
    height: request.height,
    sampler_name: plan.samplerLabel,
    scheduler: SCHEDULE_LABELS[first.scheduler],
    cfg_scale: request.cfg_scale,
    steps: request.steps,
    batch_size: request.batch_size,
    restore_faces: false,
    face_restoration_model: null,
    sd_model_name: jobs[0]?.model ?? engine.model?.name ?? null,
    sd_model_hash: null,
    sd_vae_name: null,
    sd_vae_hash: null,
    seed_resize_from_w: -1,
    seed_resize_from_h: -1,
    denoising_strength: name === 'txt2img' ? null : first.strength,
    extra_generation_params: {},
    index_of_first_image: 0,
    infotexts,
    styles: request.styles,
    job_timestamp: timestamp(new Date(batch.startedAt)),
    clip_skip: 1,
    is_using_inpainting_conditioning: false,
    version: `InsaneRes ${deps.ctx.version}`,
    eta: first.eta ?? samplerInfo(first.sampler).defaultEta,
    /** Not in A1111: what was asked for that this server did differently (sampler fallback, features it lacks). */
    warnings: [...new Set(warnings)],
  };
  res.json({ images, parameters: echo, info: JSON.stringify(info) });
}

export async function txt2img(deps: GenerateDeps, req: Request, res: Response): Promise<void> {
  const request = parseA1111(txt2imgRequestSchema, req.body);
  const plan = planTxt2Img(request, (key) => deps.options.get(key), deps.ctx.limits);
  await run(deps, res, 'txt2img', plan, request.override_settings_restore_afterwards, request, request);
}

export async function img2img(deps: GenerateDeps, req: Request, res: Response): Promise<void> {
  const request = parseA1111(img2imgRequestSchema, req.body);
  if (request.init_images === undefined) throw ValidationError.one('init_images', 'img2img needs init_images: a list of base64 images (or data URLs)');
  const inits = await Promise.all(request.init_images.map(async (encoded, i) => (await decodeImage(encoded, `init_images[${i}]`, deps.ctx.limits)).image));
  // An empty string is "no mask" (clients send "" as well as null).
  const mask = request.mask ? (await decodeImage(request.mask, 'mask', deps.ctx.limits)).image : null;
  const plan = await planImg2Img(request, inits, mask, (key) => deps.options.get(key), deps.ctx.limits);
  // A1111 echoes the request; the images go back only with include_init_images.
  const echo = request.include_init_images ? request : { ...request, init_images: null, mask: null };
  await run(deps, res, 'img2img', plan, request.override_settings_restore_afterwards, request, echo);
}
