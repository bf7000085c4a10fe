/**
 * Selections of the harness document as planes (one byte per pixel, 255 = selected): the rectangle and
 * the freehand lasso drawn with the mouse, and the outline the canvas shows. Pure, for unit tests.
 */
import type { Rect } from '../host';
import type { Plane, Size } from './compositing';

export interface Point {
  x: number;
  y: number;
}

export const SELECTED = 255;

/** The whole-pixel rectangle spanned by two drag points (pixel edges are at whole coordinates), on the canvas. */
export function rectBetween(a: Point, b: Point, canvas: Size): Rect | null {
  const left = Math.max(0, Math.round(Math.min(a.x, b.x)));
  const top = Math.max(0, Math.round(Math.min(a.y, b.y)));
  const right = Math.min(canvas.width, Math.round(Math.max(a.x, b.x)));
  const bottom = Math.min(canvas.height, Math.round(Math.max(a.y, b.y)));
  return right > left && bottom > top ? { left, top, width: right - left, height: bottom - top } : null;
}

export function rectPlane(rect: Rect): Plane {
  return { bounds: { ...rect }, data: new Uint8Array(rect.width * rect.height).fill(SELECTED) };
}

/**
 * The closed polygon's pixels: a pixel is selected when its centre lies inside (even-odd rule, like a
 * canvas `fill('evenodd')`). Null when it selects nothing on the canvas.
 */
export function polygonPlane(points: readonly Point[], canvas: Size): Plane | null {
  if (points.length < 3) return null;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const bounds = rectBetween({ x: Math.floor(Math.min(...xs)), y: Math.floor(Math.min(...ys)) }, { x: Math.ceil(Math.max(...xs)), y: Math.ceil(Math.max(...ys)) }, canvas);
  if (!bounds) return null;
  const data = new Uint8Array(bounds.width * bounds.height);
  for (let row = 0; row < bounds.height; row++) {
    const scanY = bounds.top + row + 0.5;
    const crossings: number[] = [];
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      const q = points[(i + 1) % points.length];
      // Half-open in y so a vertex on the scanline is counted once.
      if (p.y <= scanY !== q.y <= scanY) crossings.push(p.x + ((scanY - p.y) * (q.x - p.x)) / (q.y - p.y));
    }
    crossings.sort((a, b) => a - b);
    for (let i = 0; i + 1 < crossings.length; i += 2) {
      // Pixel x is inside when its centre x + 0.5 lies in [from, to).
      const first = Math.max(bounds.left, Math.ceil(crossings[i] - 0.5));
      const last = Math.min(bounds.left + bounds.width, Math.ceil(crossings[i + 1] - 0.5));
      for (let x = first; x < last; x++) data[row * bounds.width + (x - bounds.left)] = SELECTED;
    }
  }
  return trimPlane({ bounds, data });
}

/** The plane cut to the bounding box of its non-zero pixels (Photoshop's selection bounds); null when empty. */
export function trimPlane(plane: Plane): Plane | null {
  const { width, height } = plane.bounds;
  let minX = width;
  let minY = height;
  let maxX = -1;
  let maxY = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (plane.data[y * width + x] === 0) continue;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    }
  }
  if (maxX < 0) return null;
  const bounds = { left: plane.bounds.left + minX, top: plane.bounds.top + minY, width: maxX - minX + 1, height: maxY - minY + 1 };
  if (bounds.width === width && bounds.height === height) return plane;
  const data = new Uint8Array(bounds.width * bounds.height);
  for (let y = 0; y < bounds.height; y++) {
    const from = (minY + y) * width + minX;
    data.set(plane.data.subarray(from, from + bounds.width), y * bounds.width);
  }
  return { bounds, data };
}

/** 1 on selected pixels (≥ 128) that touch an unselected one (4-neighbourhood): where the outline is drawn. */
export function planeEdges(plane: Plane): Uint8Array {
  const { width, height } = plane.bounds;
  const inside = (x: number, y: number) => x >= 0 && y >= 0 && x < width && y < height && plane.data[y * width + x] >= 128;
  const edges = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (inside(x, y) && !(inside(x - 1, y) && inside(x + 1, y) && inside(x, y - 1) && inside(x, y + 1))) edges[y * width + x] = 1;
    }
  }
  return edges;
}
