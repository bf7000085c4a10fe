/** An axis-aligned rectangle of whole pixels: (x, y) is its top-left pixel. */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export function rect(x: number, y: number, width: number, height: number): Rect {
  return { x, y, width, height };
}

/** One past the last column. */
export function rectRight(r: Rect): number {
  return r.x + r.width;
}

/** One past the last row. */
export function rectBottom(r: Rect): number {
  return r.y + r.height;
}

export function containsRect(outer: Rect, inner: Rect): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    rectRight(inner) <= rectRight(outer) &&
    rectBottom(inner) <= rectBottom(outer)
  );
}
