/**
 * "Inpaint selection" mode (docs/inpaint.md): the selection's shape becomes the job's mask, on exactly the
 * crop that is sent (the selection's bounds grown by the context ring, DESIGN §8). Pure functions.
 */
import type { JobCreateRequest } from '../../../shared/src';
import { HostError, type RgbaPixels, type SelectionRead } from '../host/host';
import type { Settings } from './settings';

/**
 * The mask over the whole crop: the selection's coverage as grey (white = repaint), opaque, 8-bit, so the
 * server reads its luminance and a feathered selection keeps its soft edge; black outside the selection.
 */
export function selectionMaskPixels(read: SelectionRead): RgbaPixels {
  const { selection, bounds } = read;
  if (!selection) throw new HostError('NO_SELECTION', 'Inpaint repaints the selected shape: make a selection first.');
  const data = new Uint8Array(bounds.width * bounds.height * 4);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  const dx = selection.bounds.left - bounds.left;
  const dy = selection.bounds.top - bounds.top;
  for (let y = 0; y < selection.bounds.height; y++) {
    const row = dy + y;
    if (row < 0 || row >= bounds.height) continue;
    for (let x = 0; x < selection.bounds.width; x++) {
      const column = dx + x;
      if (column < 0 || column >= bounds.width) continue;
      const v = selection.data[y * selection.bounds.width + x];
      const o = (row * bounds.width + column) * 4;
      data[o] = v;
      data[o + 1] = v;
      data[o + 2] = v;
    }
  }
  return { width: bounds.width, height: bounds.height, bitDepth: 8, data };
}

/** The strength the try runs with: Inpaint keeps its own (0.75 by default, A1111's). */
export function tryStrength(settings: Settings): number {
  return settings.mode === 'inpaint' ? settings.inpaint.strength : settings.strength;
}

/** An img2img request turned into an inpaint one with the uploaded mask. */
export function withInpaint(request: JobCreateRequest, settings: Settings, maskId: string): JobCreateRequest {
  if (request.kind !== 'img2img') return request;
  const { strength, maskBlur, inpaintArea, padding, fill } = settings.inpaint;
  const area = inpaintArea === 'masked' ? { inpaintArea, padding } : { inpaintArea };
  return { ...request, params: { ...request.params, strength, mask: maskId, maskBlur, fill, ...area } };
}
