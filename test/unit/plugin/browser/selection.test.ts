/** Rectangle and lasso selections as pixel planes; expected pixels drawn by hand. */
import { planeEdges, polygonPlane, rectBetween, rectPlane, trimPlane } from '../../../../plugin/src/host/browser/selection';

const canvas = { width: 10, height: 8 };
/** Rows of a plane as strings of '#' (selected) and '.' for readable expectations. */
const rows = (data: Uint8Array, width: number) =>
  Array.from({ length: data.length / width }, (_, y) => Array.from(data.subarray(y * width, (y + 1) * width), (v) => (v ? '#' : '.')).join(''));

describe('rectangle', () => {
  it.each([
    [{ x: 2, y: 1 }, { x: 6, y: 4 }, { left: 2, top: 1, width: 4, height: 3 }],
    [{ x: 6.4, y: 4.2 }, { x: 1.6, y: 0.7 }, { left: 2, top: 1, width: 4, height: 3 }],
    [{ x: -5, y: -5 }, { x: 30, y: 30 }, { left: 0, top: 0, width: 10, height: 8 }],
    [{ x: 3, y: 3 }, { x: 3.2, y: 7 }, null],
  ])('drag %o → %o is %o', (a, b, expected) => {
    expect(rectBetween(a, b, canvas)).toEqual(expected);
  });

  it('selects every pixel of the rectangle', () => {
    expect(Array.from(rectPlane({ left: 1, top: 1, width: 2, height: 2 }).data)).toEqual([255, 255, 255, 255]);
  });
});

describe('lasso', () => {
  it('selects the pixels whose centres lie inside a square', () => {
    const plane = polygonPlane([{ x: 1, y: 1 }, { x: 4, y: 1 }, { x: 4, y: 3 }, { x: 1, y: 3 }], canvas);
    expect(plane?.bounds).toEqual({ left: 1, top: 1, width: 3, height: 2 });
    expect(rows(plane!.data, 3)).toEqual(['###', '###']);
  });

  it('selects a triangle and trims its bounds to what is selected', () => {
    // Right triangle (0,0)-(6,0)-(0,6): centre (x+.5, y+.5) is inside when x + y + 1 < 6.
    const plane = polygonPlane([{ x: 0, y: 0 }, { x: 6, y: 0 }, { x: 0, y: 6 }], canvas)!;
    expect(plane.bounds).toEqual({ left: 0, top: 0, width: 5, height: 5 });
    expect(rows(plane.data, 5)).toEqual(['#####', '####.', '###..', '##...', '#....']);
  });

  it('is nothing for fewer than three points or an area without pixel centres', () => {
    expect(polygonPlane([{ x: 1, y: 1 }, { x: 5, y: 5 }], canvas)).toBeNull();
    expect(polygonPlane([{ x: 1, y: 1 }, { x: 1.2, y: 1 }, { x: 1.2, y: 1.2 }], canvas)).toBeNull();
  });
});

it('trims a plane to its selected pixels', () => {
  const data = new Uint8Array([0, 0, 0, 0, 9, 0, 0, 0, 0]);
  expect(trimPlane({ bounds: { left: 5, top: 5, width: 3, height: 3 }, data })).toEqual({ bounds: { left: 6, top: 6, width: 1, height: 1 }, data: new Uint8Array([9]) });
  expect(trimPlane({ bounds: { left: 0, top: 0, width: 2, height: 1 }, data: new Uint8Array(2) })).toBeNull();
});

it('outlines the selected pixels that touch unselected ones', () => {
  const plane = rectPlane({ left: 0, top: 0, width: 4, height: 3 });
  expect(rows(planeEdges(plane), 4)).toEqual(['####', '#..#', '####']);
});
