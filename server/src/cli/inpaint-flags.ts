/** `img2img --mask …`: the inpaint flags (issue 13's contract), validated with the protocol's rules. */
import * as fs from 'fs';
import { img2imgParamsSchema, inpaintCombinationIssue } from '../../../shared/src/protocol';
import { inpaintSettingsFrom } from '../engine/inpaint-params';
import type { InpaintParams, RawImage } from '../engine/types';
import { decodePng, ImageFormatError } from '../image/png';
import { numberFlag, UsageError, zodErrorLine } from './args';

export const INPAINT_FLAGS = {
  mask: { type: 'string' },
  'mask-blur': { type: 'string' },
  'inpaint-area': { type: 'string' },
  padding: { type: 'string' },
  fill: { type: 'string' },
  'invert-mask': { type: 'boolean' },
} as const;

/** Parameter name → the flag that sets it, for error lines. */
const FLAG_OF: Record<string, string> = { maskBlur: 'mask-blur', inpaintArea: 'inpaint-area', invertMask: 'invert-mask' };

/** The inpaint settings in the flags, checked (without reading the mask yet); null when there is no --mask. */
export function parseInpaintFlags(values: Record<string, unknown>): { maskFile: string; settings: Omit<InpaintParams, 'mask'> } | null {
  const input = {
    mask: typeof values.mask === 'string' ? 'mask' : undefined,
    maskBlur: numberFlag(values, 'mask-blur'),
    inpaintArea: values['inpaint-area'],
    padding: numberFlag(values, 'padding'),
    fill: values.fill,
    invertMask: values['invert-mask'] === true ? true : undefined,
  };
  const parsed = img2imgParamsSchema.safeParse(input);
  if (!parsed.success) throw new UsageError(zodErrorLine(parsed.error, FLAG_OF, input));
  const issue = inpaintCombinationIssue(parsed.data);
  if (issue) throw new UsageError(`--${FLAG_OF[issue.field] ?? issue.field}: ${issue.message.replace('give a mask too', 'give --mask too')}`);
  if (typeof values.mask !== 'string') return null;
  return { maskFile: values.mask, settings: inpaintSettingsFrom(parsed.data) };
}

/** The mask PNG (any colour type, 8 or 16 bit); it must have the input's exact size. */
export async function readMaskFile(file: string, image: RawImage): Promise<RawImage> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`--mask ${file} does not exist`);
  let mask: RawImage;
  try {
    mask = await decodePng(fs.readFileSync(file));
  } catch (err) {
    if (err instanceof ImageFormatError) throw new UsageError(`--mask ${file}: ${err.message} (a PNG expected: white = repaint)`);
    throw err;
  }
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new UsageError(`--mask: the mask is ${mask.width}×${mask.height} px but the input is ${image.width}×${image.height} px; they must be the same size`);
  }
  return mask;
}
