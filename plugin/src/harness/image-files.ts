/** Image files in and out of the harness: decode what the user opens or drops, export the flattened PNG. */

export interface DecodedImage {
  width: number;
  height: number;
  pixels: Uint8ClampedArray;
}

/** Documents above this are refused: the harness composites in JavaScript on the main thread. */
export const MAX_DOCUMENT_PIXELS = 24_000_000;

function canvasOf(width: number, height: number): { canvas: HTMLCanvasElement; context: CanvasRenderingContext2D } {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  // willReadFrequently keeps the canvas on the CPU: getImageData then returns exact, unaccelerated values.
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) throw new Error('this browser gives no 2D canvas');
  return { canvas, context };
}

/** Any image the browser can decode (PNG, JPEG, WebP, …) as straight (unpremultiplied) RGBA. */
export async function decodeImageFile(file: Blob): Promise<DecodedImage> {
  const bitmap = await createImageBitmap(file, { premultiplyAlpha: 'none' });
  try {
    const { width, height } = bitmap;
    if (width * height > MAX_DOCUMENT_PIXELS) {
      throw new Error(`The image is ${width}×${height} px; the harness opens at most ${MAX_DOCUMENT_PIXELS / 1e6} megapixels.`);
    }
    const { context } = canvasOf(width, height);
    context.drawImage(bitmap, 0, 0);
    return { width, height, pixels: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
}

export async function encodePng(width: number, height: number, pixels: Uint8ClampedArray): Promise<Blob> {
  const { canvas, context } = canvasOf(width, height);
  context.putImageData(new ImageData(new Uint8ClampedArray(pixels), width, height), 0, 0);
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the PNG could not be encoded'))), 'image/png'));
}

export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // Revoked later: some browsers start the download only after the click handler returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `portrait.jpg` → `portrait-flattened.png` (safe on every file system). */
export function exportName(title: string): string {
  const base = title.replace(/\.[a-z0-9]+$/i, '').replace(/[^\w.-]+/g, '_') || 'insaneres';
  return `${base}-flattened.png`;
}
