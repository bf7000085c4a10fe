/**
 * Sending an image from the outputs folder (history entries, job results). A stored file that cannot be
 * read (damaged or deleted behind the server's back) is never a 500: the entry leaves the history, the
 * log says why, and the client gets UNKNOWN_HISTORY naming the entry.
 */
import { promises as fsp } from 'fs';
import type { Request, Response } from 'express';
import sharp from 'sharp';
import { ApiError, type HistoryEntry } from '../../../shared/src';
import type { HistoryStore } from '../history/store';
import { decodePng } from '../image/png';
import type { RawImage } from '../engine/types';
import { sendRaw, wantedFormat } from './pixels';

function sendFile(res: Response, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.type('image/png').sendFile(file, (err) => (err ? reject(err) : resolve()));
  });
}

export async function sendStoredImage(
  req: Request,
  res: Response,
  history: HistoryStore,
  entry: HistoryEntry,
  options: { maxSide?: number; inMemory?: RawImage } = {},
): Promise<void> {
  const format = wantedFormat(req);
  try {
    if (options.maxSide !== undefined) {
      // A thumbnail: an 8-bit PNG that fits maxSide×maxSide, never enlarged (sharp reads 16-bit PNGs itself).
      const thumbnail = await sharp(await history.pngFile(entry)).resize(options.maxSide, options.maxSide, { fit: 'inside', withoutEnlargement: true }).png().toBuffer();
      res.type('image/png').send(thumbnail);
    } else if (format === 'png') {
      // The PNG written to history is the result: served as is, never encoded twice.
      // A result just finished may still be encoding (history/store.ts): pngFile waits for it.
      await sendFile(res, await history.pngFile(entry));
    } else {
      await sendRaw(res, options.inMemory ?? (await decodePng(await fsp.readFile(await history.pngFile(entry)))));
    }
  } catch (err) {
    if (res.headersSent) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    history.forget(entry, reason);
    throw new ApiError('UNKNOWN_HISTORY', `the image of history entry "${entry.id}" cannot be read from the outputs folder (damaged or removed); it has been left out of the history`);
  }
}
