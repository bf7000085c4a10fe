/**
 * PNG text chunks on encoded bytes: insert one right after IHDR, read them all back. Working on the bytes
 * (not inside an encoder) means every PNG gets its infotext whatever wrote it (sharp, our 16-bit writer).
 * Latin-1 text goes in a tEXt chunk, as A1111 (PIL) writes it; anything else in an uncompressed iTXt (UTF-8),
 * which PIL, exiftool and browsers' readers all understand.
 */
import * as zlib from 'zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TEXT_TYPES = new Set(['tEXt', 'iTXt', 'zTXt']);

export class PngTextError extends Error {
  readonly code = 'BAD_IMAGE';
}

interface ChunkRef {
  type: string;
  /** Offset of the chunk's length field; the chunk spans [start, end). */
  start: number;
  end: number;
  data: Buffer;
}

function* chunks(png: Buffer): Generator<ChunkRef> {
  if (png.length < 8 || !png.subarray(0, 8).equals(SIGNATURE)) throw new PngTextError('not a PNG file (the PNG signature is missing)');
  let offset = 8;
  while (offset + 12 <= png.length) {
    const length = png.readUInt32BE(offset);
    const end = offset + 12 + length;
    if (end > png.length) throw new PngTextError(`truncated PNG: a chunk at byte ${offset} runs past the end of the file`);
    const type = png.toString('latin1', offset + 4, offset + 8);
    yield { type, start: offset, end, data: png.subarray(offset + 8, offset + 8 + length) };
    if (type === 'IEND') return;
    offset = end;
  }
}

function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body, zlib.crc32(head.subarray(4))) >>> 0, 0);
  return Buffer.concat([head, body, crc]);
}

function isLatin1(text: string): boolean {
  // tEXt is ISO 8859-1 without control characters other than newline (PNG spec 11.3.4.3).
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff || (c < 0x20 && c !== 0x0a) || (c >= 0x7f && c < 0xa0)) return false;
  }
  return true;
}

/** The tEXt (Latin-1) or iTXt (UTF-8) chunk for keyword = text. */
export function textChunk(keyword: string, text: string): Buffer {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword) || keyword !== keyword.trim()) {
    throw new RangeError(`a PNG text keyword is 1–79 printable Latin-1 characters without leading/trailing spaces; got "${keyword}"`);
  }
  if (isLatin1(text)) return chunk('tEXt', Buffer.concat([Buffer.from(`${keyword}\0`, 'latin1'), Buffer.from(text, 'latin1')]));
  // keyword \0, compression flag 0, method 0, empty language tag \0, empty translated keyword \0, UTF-8 text.
  return chunk('iTXt', Buffer.concat([Buffer.from(`${keyword}\0\0\0\0\0`, 'latin1'), Buffer.from(text, 'utf8')]));
}

/**
 * The same PNG with `keyword` = `text` as a text chunk right after IHDR (where A1111 and PIL put theirs);
 * earlier text chunks with that keyword are dropped so readers never see two.
 */
export function withTextChunk(png: Buffer, keyword: string, text: string): Buffer {
  const parts: Buffer[] = [SIGNATURE];
  let sawIhdr = false;
  for (const ref of chunks(png)) {
    if (TEXT_TYPES.has(ref.type) && decodeTextChunk(ref)?.[0] === keyword) continue;
    parts.push(png.subarray(ref.start, ref.end));
    if (ref.type === 'IHDR') {
      sawIhdr = true;
      parts.push(textChunk(keyword, text));
    }
  }
  if (!sawIhdr) throw new PngTextError('corrupt PNG: no IHDR chunk');
  return Buffer.concat(parts);
}

/**
 * A PNG just encoded (so without text chunks) with `keyword` = `text` after IHDR, as three buffers to
 * write one after the other: the header, the text chunk, and the rest as a view, so a 30 MB result is
 * neither copied nor scanned chunk by chunk on the event loop (withTextChunk's concat and scan of a 4096²
 * result held it for ~75 ms plus the GC that followed). A PNG from elsewhere goes through withTextChunk.
 */
export function textChunkAfterHeader(png: Buffer, keyword: string, text: string): Buffer[] {
  // Signature (8 bytes), then IHDR: length 13, type, 13 data bytes, CRC: 33 bytes in all.
  const headerEnd = 8 + 12 + 13;
  if (png.length < headerEnd || !png.subarray(0, 8).equals(SIGNATURE) || png.readUInt32BE(8) !== 13 || png.toString('latin1', 12, 16) !== 'IHDR') {
    throw new PngTextError('corrupt PNG: it does not start with the signature and an IHDR chunk');
  }
  return [png.subarray(0, headerEnd), textChunk(keyword, text), png.subarray(headerEnd)];
}

function decodeTextChunk(ref: ChunkRef): [string, string] | null {
  const { data } = ref;
  const nul = data.indexOf(0);
  if (nul <= 0) return null;
  const keyword = data.toString('latin1', 0, nul);
  try {
    if (ref.type === 'tEXt') return [keyword, data.toString('latin1', nul + 1)];
    if (ref.type === 'zTXt') return [keyword, zlib.inflateSync(data.subarray(nul + 2)).toString('latin1')];
    // iTXt: flag, method, language \0, translated keyword \0, text.
    const compressed = data[nul + 1] === 1;
    const languageEnd = data.indexOf(0, nul + 3);
    const translatedEnd = languageEnd < 0 ? -1 : data.indexOf(0, languageEnd + 1);
    if (translatedEnd < 0) return null;
    const body = data.subarray(translatedEnd + 1);
    return [keyword, (compressed ? zlib.inflateSync(body) : body).toString('utf8')];
  } catch {
    // A corrupt compressed chunk is skipped, as PIL skips it; the image itself is still fine.
    return null;
  }
}

/** Every tEXt, zTXt and iTXt chunk as keyword → text (the first one wins for a repeated keyword). */
export function readTextChunks(png: Buffer): Record<string, string> {
  const result: Record<string, string> = {};
  for (const ref of chunks(png)) {
    if (!TEXT_TYPES.has(ref.type)) continue;
    const decoded = decodeTextChunk(ref);
    if (decoded && !(decoded[0] in result)) result[decoded[0]] = decoded[1];
  }
  return result;
}
