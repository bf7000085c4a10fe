/**
 * The infotext of one of our results, from what the history records about it: the fields A1111 1.10's
 * `create_infotext` writes for the same generation, in its order. Used for every PNG the server writes,
 * whichever API asked for it.
 */
import type { HistoryEntry, Img2ImgParams } from '../../../shared/src';
import { inpaintSettingsFrom } from '../engine/inpaint-params';
import { resolveEta, resolveSchedule, SCHEDULE_LABELS, samplerInfo, samplerUsesEta } from '../../../shared/src/samplers';
import { formatInfotext, type InfotextValue } from './infotext';

/** The parts of a history entry the infotext is made of. */
export type InfotextSource = Pick<HistoryEntry, 'kind' | 'params' | 'seed' | 'model' | 'width' | 'height'>;

/** A1111's labels for "Masked content" (its inpainting_fill 0…3). */
const MASKED_CONTENT: Record<string, string> = { fill: 'fill', original: 'original', 'latent-noise': 'latent noise', 'latent-nothing': 'latent nothing' };

/** What A1111 1.10 writes for an inpaint, leaving out what equals the defaults its parser fills back in. */
function inpaintFields(params: Pick<Img2ImgParams, 'maskBlur' | 'inpaintArea' | 'padding' | 'fill' | 'invertMask'>): Array<[string, InfotextValue]> {
  const settings = inpaintSettingsFrom(params);
  return [
    ['Mask blur', settings.maskBlur > 0 ? settings.maskBlur : null],
    ['Mask mode', settings.invertMask ? 'Inpaint not masked' : null],
    ['Masked content', settings.fill === 'original' ? null : MASKED_CONTENT[settings.fill]],
    ['Inpaint area', settings.inpaintArea === 'masked' ? 'Only masked' : null],
    ['Masked area padding', settings.inpaintArea === 'masked' ? settings.padding : null],
  ];
}

export function infotextFor(entry: InfotextSource): string {
  const { params } = entry;
  const fromNoise = entry.kind === 'img2img' && params.init === 'noise';
  const info = samplerInfo(params.sampler);
  const schedule = resolveSchedule(params.sampler, params.scheduler);
  const eta = resolveEta(params.sampler, params.eta);
  const fields: Array<[string, InfotextValue]> = [
    ['Steps', params.steps],
    ['Sampler', info.label],
    // A1111 1.10 writes the schedule it resolved; DDIM runs diffusers' timesteps and has none.
    ['Schedule type', schedule === null ? null : SCHEDULE_LABELS[schedule]],
    ['CFG scale', params.guidanceScale],
    ['Seed', entry.seed],
    ['Size', `${entry.width}x${entry.height}`],
    // A1111 strips nothing from the name itself; quote() protects commas and colons.
    ['Model', entry.model],
    // txt2img has no denoising strength in A1111's infotext (it starts from noise).
    ['Denoising strength', fromNoise ? null : params.strength],
    // A1111 writes η only when it differs from its option's default: "Eta DDIM" (0), "Eta" (ancestral, 1).
    ['Eta DDIM', params.sampler === 'ddim' && eta !== info.defaultEta ? eta : null],
    ['Eta', params.sampler !== 'ddim' && samplerUsesEta(params.sampler) && eta !== info.defaultEta ? eta : null],
    // A1111's emphasis modes: "Original" is its default (and ours); "None" is emphasis off.
    ['Emphasis', params.emphasis ? null : 'None'],
  ];
  if (entry.kind === 'img2img' && 'mask' in params && params.mask !== undefined) fields.push(...inpaintFields(params));
  if (entry.kind === 'upscale' && 'tileOverlap' in params) {
    // What A1111's "SD upscale" script adds (ours enlarges with Lanczos before the tiles).
    fields.push(['SD upscale overlap', params.tileOverlap], ['SD upscale upscaler', 'Lanczos']);
  }
  return formatInfotext({ prompt: params.prompt, negativePrompt: params.negativePrompt, params: fields });
}
