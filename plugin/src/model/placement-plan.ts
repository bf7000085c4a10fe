/**
 * What one Refine click places: a layer per finished job (variation) over the crop it came from, with the
 * records the panel keeps of them. Pure: the controller supplies the try numbers and places the plan.
 */
import { ApiError } from '../../../shared/src';
import type { RgbaPixels, SelectionRead } from '../host/host';
import type { PendingPlacement } from './placer';
import type { Settings } from './settings';
import type { TryRecord } from './state';
import { tryStrength } from './inpaint';
import { anchorFor, channelName, layerName } from './tries';

export interface FinishedJob {
  jobId: string;
  seed: number;
  historyId: string | null;
  result: RgbaPixels;
}

/** Every result must be exactly the crop's size, or it would land misplaced. */
export function checkResultSizes(read: SelectionRead, finished: FinishedJob[]): void {
  for (const job of finished) {
    if (job.result.width !== read.bounds.width || job.result.height !== read.bounds.height) {
      throw new ApiError('INTERNAL', `The server returned ${job.result.width}×${job.result.height} px for a ${read.bounds.width}×${read.bounds.height} px crop.`);
    }
  }
}

/** The layers of one click: one per variation, the first shown and on top, all in one undo step. */
export function placementFor(read: SelectionRead, finished: FinishedJob[], settings: Settings, documentTitle: string, numbers: number[]): PendingPlacement {
  // Variations share the first one's channel: one selection, one channel.
  const channel = read.selection ? channelName(numbers[0]) : null;
  const group = finished.length > 1 ? numbers[0] : null;
  const records: Omit<TryRecord, 'layer' | 'masked' | 'blendMode' | 'visible' | 'gone'>[] = finished.map((job, i) => ({
    number: numbers[i],
    name: layerName(numbers[i], job.seed, tryStrength(settings)),
    seed: job.seed,
    strength: tryStrength(settings),
    featherPx: settings.featherPx,
    jobId: job.jobId,
    historyId: job.historyId,
    documentId: read.documentId,
    documentTitle,
    bounds: read.bounds,
    channelName: channel,
    selection: read.selection,
    group,
  }));
  const plans = finished.map((job, i) => ({
    bounds: read.bounds,
    above: anchorFor(settings.source, read.layerId),
    pixels: job.result,
    name: records[i].name,
    selection: read.selection,
    channelName: channel,
    autoMask: settings.autoMask,
    featherPx: settings.featherPx,
  }));
  const last = numbers[numbers.length - 1];
  return { historyName: numbers.length > 1 ? `InsaneRes #${numbers[0]}–#${last}` : `InsaneRes #${numbers[0]}`, plans, records };
}
