/**
 * The infotext of one of our results, from what the history records about it: the fields A1111 1.10's
 * `create_infotext` writes for the same generation, in its order. Used for every PNG the server writes,
 * whichever API asked for it.
 */
import type { HistoryEntry } from '../../../shared/src';
import { resolveEta, resolveSchedule, SCHEDULE_LABELS, samplerInfo, samplerUsesEta } from '../../../shared/src/samplers';
import { formatInfotext, type InfotextValue } from './infotext';

/** The parts of a history entry the infotext is made of. */
export type InfotextSource = Pick<HistoryEntry, 'kind' | 'params' | 'seed' | 'model' | 'width' | 'height'>;

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
  if (entry.kind === 'upscale' && 'tileOverlap' in params) {
    // What A1111's "SD upscale" script adds (ours enlarges with Lanczos before the tiles).
    fields.push(['SD upscale overlap', params.tileOverlap], ['SD upscale upscaler', 'Lanczos']);
  }
  return formatInfotext({ prompt: params.prompt, negativePrompt: params.negativePrompt, params: fields });
}
