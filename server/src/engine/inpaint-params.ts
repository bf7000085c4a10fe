import { INPAINT_DEFAULTS } from '../../../shared/src/defaults';
import type { Img2ImgParams as Img2ImgRequest } from '../../../shared/src/protocol';
import type { InpaintParams, RawImage } from './types';

type InpaintFields = Pick<Img2ImgRequest, 'maskBlur' | 'inpaintArea' | 'padding' | 'fill' | 'invertMask'>;

/** The engine's inpaint settings from a request's flat fields (HTTP and CLI), defaults filled in. */
export function inpaintParamsFrom(request: InpaintFields, mask: RawImage): InpaintParams {
  return { mask, ...inpaintSettingsFrom(request) };
}

export function inpaintSettingsFrom(request: InpaintFields): Omit<InpaintParams, 'mask'> {
  return {
    maskBlur: request.maskBlur ?? INPAINT_DEFAULTS.maskBlur,
    inpaintArea: request.inpaintArea ?? INPAINT_DEFAULTS.inpaintArea,
    padding: request.padding ?? INPAINT_DEFAULTS.padding,
    fill: request.fill ?? INPAINT_DEFAULTS.fill,
    invertMask: request.invertMask ?? INPAINT_DEFAULTS.invertMask,
  };
}
