/**
 * Puts downloaded results into the document: a click's layers (one per variation) in ONE undo step, or an
 * upscale as a new document or layer. A placement that fails (Photoshop busy, a locked layer) is kept, so
 * "Place again" retries it without running the model again.
 */
import type { Host, RgbaPixels, SelectionRead } from '../host/host';
import type { TryRecord } from './state';
import type { Store } from './store';
import { placeTry, upscaleLayerBounds, type PlacePlan, type Placed } from './tries';

/** Downloaded results waiting to be placed, with what the panel will remember of each. */
export interface PendingPlacement {
  historyName: string;
  /** One per variation, the one to show first. */
  plans: PlacePlan[];
  records: Omit<TryRecord, 'layer' | 'masked' | 'blendMode' | 'visible' | 'gone'>[];
}

export class Placer {
  pending: PendingPlacement | null = null;

  constructor(
    private readonly store: Store,
    private readonly host: Host,
  ) {}

  async place(pending: PendingPlacement): Promise<void> {
    this.store.dispatch({ type: 'placing' });
    try {
      const placed = await this.host.commitTry({ documentId: pending.records[0].documentId, historyName: pending.historyName }, async (writer) => {
        // The last variation first, each above the one before: the first ends up on top, in the Layers panel's
        // reading order, and the only one shown.
        const layers: Placed[] = [];
        for (let i = pending.plans.length - 1; i >= 0; i--) {
          const below = layers[0];
          const plan = below ? { ...pending.plans[i], above: { kind: 'layer' as const, layerId: below.layer.layerId } } : pending.plans[i];
          layers.unshift(await placeTry(writer, plan));
        }
        for (const hidden of layers.slice(1)) await writer.setVisible(hidden.layer, false);
        return layers;
      });
      this.pending = null;
      const records: TryRecord[] = pending.records.map((record, i) => ({
        ...record,
        layer: placed[i].layer,
        masked: placed[i].masked,
        blendMode: 'difference',
        visible: i === 0,
        gone: false,
      }));
      this.store.dispatch({ type: 'placed', records });
      this.store.dispatch({ type: 'finished', seed: records[0].seed });
    } catch (error) {
      // The results stay downloaded: "Place again" (or the history) retries without a new job.
      this.pending = pending;
      throw error;
    }
  }

  /**
   * An upscale result as a new document (at the source's resolution), or — when asked and it fits the canvas —
   * as a new layer at the selection's top-left (one undo step). Returns a notice when it could not go where asked.
   */
  async placeUpscale(result: RgbaPixels, read: SelectionRead, placement: 'document' | 'layer', seed: number, resolution: number): Promise<string | undefined> {
    const title = `InsaneRes upscale · seed ${seed}`;
    if (placement === 'layer') {
      const doc = await this.host.documentInfo();
      const bounds = doc && doc.id === read.documentId ? upscaleLayerBounds(result, read.bounds, doc) : null;
      if (bounds) {
        await this.host.commitTry({ documentId: read.documentId, historyName: title }, (writer) =>
          writer.placeResultLayer({ bounds, pixels: result, name: title }).then(() => undefined),
        );
        return undefined;
      }
      await this.host.openAsDocument(result, title, resolution);
      return doc && doc.id === read.documentId
        ? `The ${result.width}×${result.height} px result is larger than the canvas, so it opened as a new document.`
        : 'The document changed while the upscale ran, so the result opened as a new document.';
    }
    await this.host.openAsDocument(result, title, resolution);
    return undefined;
  }
}
