/**
 * The infotext of one of our results, from what the history records about it: the fields A1111 1.10's
 * `create_infotext` writes for the same generation, in its order. Used for every PNG the server writes,
 * whichever API asked for it.
 */
import type { HistoryEntry } from '../../../shared/src';
import { formatInfotext, type InfotextValue } from './infotext';

/** A1111's display name of each of our samplers ("Sampler: …"). */
const SAMPLER_DISPLAY_NAMES: Record<string, string> = {
  ddim: 'DDIM',
};

export function samplerDisplayName(sampler: string): string {
  return SAMPLER_DISPLAY_NAMES[sampler] ?? sampler;
}

/** The parts of a history entry the infotext is made of. */
export type InfotextSource = Pick<HistoryEntry, 'kind' | 'params' | 'seed' | 'model' | 'width' | 'height'>;

export function infotextFor(entry: InfotextSource): string {
  const { params } = entry;
  const fromNoise = entry.kind === 'img2img' && params.init === 'noise';
  const fields: Array<[string, InfotextValue]> = [
    ['Steps', params.steps],
    ['Sampler', samplerDisplayName(params.sampler)],
    ['CFG scale', params.guidanceScale],
    ['Seed', entry.seed],
    ['Size', `${entry.width}x${entry.height}`],
    // A1111 strips nothing from the name itself; quote() protects commas and colons.
    ['Model', entry.model],
    // txt2img has no denoising strength in A1111's infotext (it starts from noise).
    ['Denoising strength', fromNoise ? null : params.strength],
    // A1111 writes "Eta DDIM" only when it differs from its default (0).
    ['Eta DDIM', params.sampler === 'ddim' && params.eta !== 0 ? params.eta : null],
    // A1111's emphasis modes: "Original" is its default (and ours); "None" is emphasis off.
    ['Emphasis', params.emphasis ? null : 'None'],
  ];
  if (entry.kind === 'upscale' && 'tileOverlap' in params) {
    // What A1111's "SD upscale" script adds (ours enlarges with Lanczos before the tiles).
    fields.push(['SD upscale overlap', params.tileOverlap], ['SD upscale upscaler', 'Lanczos']);
  }
  return formatInfotext({ prompt: params.prompt, negativePrompt: params.negativePrompt, params: fields });
}
