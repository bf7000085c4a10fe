/**
 * Raw RGBA on the wire (DESIGN §6, shared/src/protocol.ts): interleaved, top-left first, 16-bit samples
 * little-endian and 0..65535. Pure, so the panel, the harness and the tests share it.
 */

export interface RawRgba {
  width: number;
  height: number;
  bitDepth: 8 | 16;
  data: Uint8Array | Uint16Array;
}

function isLittleEndianPlatform(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Bytes of an 8-bit buffer, or of a 16-bit one as little-endian. */
export function encodeRaw(image: RawRgba): Uint8Array {
  const expected = image.width * image.height * 4;
  if (image.data.length !== expected) {
    throw new Error(`RGBA data holds ${image.data.length} samples, ${image.width}×${image.height}×4 = ${expected} expected`);
  }
  const { data } = image;
  if (data instanceof Uint8Array) return data;
  if (isLittleEndianPlatform()) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(data.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setUint16(i * 2, data[i], true);
  return out;
}

/** Bytes from the server → samples, checking the byte count against the announced size. */
export function decodeRaw(bytes: Uint8Array, width: number, height: number, bitDepth: 8 | 16): RawRgba {
  const samples = width * height * 4;
  const expectedBytes = samples * (bitDepth / 8);
  if (bytes.length !== expectedBytes) {
    throw new Error(`raw image has ${bytes.length} bytes; ${width}×${height} RGBA at ${bitDepth} bits needs ${expectedBytes}`);
  }
  if (bitDepth === 8) return { width, height, bitDepth, data: bytes };
  const data = new Uint16Array(samples);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < samples; i++) data[i] = view.getUint16(i * 2, true);
  return { width, height, bitDepth, data };
}

/** An ArrayBuffer holding exactly these bytes (fetch bodies take whole buffers). */
export function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  return bytes.slice().buffer as ArrayBuffer;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 without relying on `btoa` (not every UXP version has it). */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += BASE64[n >> 18] + BASE64[(n >> 12) & 63] + BASE64[(n >> 6) & 63] + BASE64[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += BASE64[n >> 18] + BASE64[(n >> 12) & 63] + '==';
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += BASE64[n >> 18] + BASE64[(n >> 12) & 63] + BASE64[(n >> 6) & 63] + '=';
  }
  return out;
}

/** A data: URL for an <img> (UXP images take data URLs; blob URLs are not everywhere). */
export function dataUrl(bytes: Uint8Array, contentType: string): string {
  return `data:${contentType};base64,${toBase64(bytes)}`;
}
