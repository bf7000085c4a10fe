/**
 * Every failure the panel shows, turned into a sentence the retoucher can act on (and, where it helps, a
 * button). Technical detail goes to "Details", never into the main line.
 */
import { ApiError } from '../../../shared/src';
import { ServerUnreachableError } from '../api/client';
import { HostError } from '../host/host';
import type { PanelError } from './state';

export const START_SERVER_HINT = 'Start it with: npx insaneres serve';

/** A selection smaller than this on either side gives the model nothing to work with. */
export const MIN_SELECTION_SIDE = 8;

export function describeError(error: unknown): PanelError {
  if (error instanceof HostError) return describeHostError(error);
  if (error instanceof ServerUnreachableError) {
    return { code: 'SERVER_OFFLINE', message: 'The InsaneRes server is not running.', hint: START_SERVER_HINT, details: error.message, action: 'retryServer' };
  }
  if (error instanceof ApiError) return describeApiError(error);
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'UNEXPECTED', message: 'Something went wrong in the panel.', details: message };
}

function describeHostError(error: HostError): PanelError {
  const base = { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
  switch (error.code) {
    case 'NO_SELECTION':
      return { ...base, message: 'Nothing is selected.', hint: 'Select the area to refine, or refine the whole canvas.', action: 'useWholeCanvas' };
    default:
      return base;
  }
}

function describeApiError(error: ApiError): PanelError {
  const details = `${error.code}: ${error.message}`;
  switch (error.code) {
    case 'MODEL_FAILED':
      return { code: error.code, message: 'The model failed on this image.', hint: 'See Details; a different model or a smaller selection may help.', details };
    case 'IMAGE_TOO_LARGE':
    case 'BODY_TOO_LARGE':
      return { code: error.code, message: error.message, hint: 'Select a smaller area.', details };
    case 'UNAVAILABLE':
      return { code: error.code, message: 'The server has no model loaded yet.', hint: 'Wait for it to finish loading, or check its console.', details };
    case 'QUEUE_FULL':
      return { code: error.code, message: error.message, hint: 'Wait for the queued jobs to finish.', details };
    case 'UNAUTHORIZED':
      return { code: error.code, message: 'The server wants a token.', hint: 'Enter the token the server was started with (--token).', details };
    case 'FORBIDDEN_ORIGIN':
    case 'BAD_HOST':
      return { code: error.code, message: 'The server refused this panel.', hint: 'Check the server address in the panel settings.', details };
    default:
      return { code: error.code, message: error.message, details };
  }
}

export function selectionTooSmall(width: number, height: number): PanelError {
  return {
    code: 'SELECTION_TOO_SMALL',
    message: `The selection is ${width}×${height} px; select at least ${MIN_SELECTION_SIDE}×${MIN_SELECTION_SIDE} px.`,
  };
}

export function selectionTooLarge(width: number, height: number, maxPixels: number): PanelError {
  const megapixels = (maxPixels / 1e6).toFixed(1);
  return {
    code: 'IMAGE_TOO_LARGE',
    message: `The crop (selection and context ring) is ${width}×${height} px; the server takes at most ${megapixels} megapixels.`,
    hint: 'Select a smaller area (or lower Context), or use Upscale for whole images.',
  };
}
