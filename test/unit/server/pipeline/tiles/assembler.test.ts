import type { RawImage } from '../../../../../server/src/engine/types';
import { TileAssembler } from '../../../../../server/src/pipeline/tiles/assembler';
import { matchColorStats } from '../../../../../server/src/pipeline/tiles/color-match';
import { planTiles, TileLayout } from '../../../../../server/src/pipeline/tiles/layout';
import { cutSourceTile } from '../../../../../server/src/pipeline/tiles/source-tile';
import { Tensor, tensor } from '../../../../../server/src/tensor';
import { blankLike, copyImage, syntheticImage } from '../../../../helpers/synthetic-image';

/** Runs every tile through `refine` (identity by default) and assembles into `target`. */
function assemble(
  source: RawImage,
  layout: TileLayout,
  target: RawImage,
  refine: (tile: Tensor) => Tensor = (t) => t,
  blend: 'cosine' | 'none' = 'cosine',
): RawImage {
  const assembler = new TileAssembler(layout, target, { blend });
  for (const tile of layout.tiles) assembler.add(tile, refine(cutSourceTile(source, tile.rect)));
  return assembler.finish();
}

/** A tile of one colour, in the model's [-1,1]. */
function flatTile(width: number, height: number, value01: number): Tensor {
  return tensor(new Float32Array(3 * width * height).fill(value01 * 2 - 1), [1, 3, height, width]);
}

const OPTIONS = { tileSize: 256, overlap: 48 };

/** The first differing sample (jest's toEqual is far too slow on millions of elements). */
function firstDifference(actual: RawImage, expected: RawImage): string | null {
  for (let i = 0; i < expected.data.length; i++) {
    if (actual.data[i] !== expected.data[i]) return `sample ${i}: ${actual.data[i]} instead of ${expected.data[i]}`;
  }
  return actual.data.length === expected.data.length ? null : 'lengths differ';
}

describe('TileAssembler', () => {
  it.each([
    { name: 'constant 8-bit RGB', image: syntheticImage(700, 500, (_x, _y, c) => [10, 128, 250][c] / 255) },
    {
      name: 'diagonal gradient 8-bit RGBA',
      image: syntheticImage(613, 389, (x, y, c) => (c === 3 ? 0.5 : (x + y + 40 * c) / 1100), { channels: 4 }),
    },
    {
      name: 'gradient 16-bit RGBA',
      image: syntheticImage(520, 777, (x, y, c) => (c === 3 ? (x % 7) / 7 : (x * 3 + y * 2 + c) / 4000), { channels: 4, bitDepth: 16 }),
    },
  ])('reproduces $name exactly with identity refinement', ({ image }) => {
    const layout = planTiles(image.width, image.height, OPTIONS);
    expect(layout.tiles.length).toBeGreaterThan(4);
    // Into a fresh target (alpha is the caller's: copy it first), with both blend modes and colour matching.
    for (const blend of ['cosine', 'none'] as const) {
      const target = blankLike(image);
      if (image.channels === 4) for (let i = 3; i < image.data.length; i += 4) target.data[i] = image.data[i];
      expect(firstDifference(assemble(image, layout, target, (t) => t, blend), image)).toBeNull();
    }
    const matched = assemble(image, layout, copyImage(image), (t) => matchColorStats(t, t));
    expect(firstDifference(matched, image)).toBeNull();
  });

  it('may assemble in place into the source it cuts tiles from', () => {
    const image = syntheticImage(900, 700, (x, y, c) => ((x * (c + 1) + y * 3) % 255) / 255);
    const original = copyImage(image);
    const layout = planTiles(image.width, image.height, OPTIONS);
    expect(firstDifference(assemble(image, layout, image), original)).toBeNull();
  });

  it('ramps from one tile to the next across the overlap', () => {
    // 700 px wide: tiles [0,512) and [192,704); the left one refined to black, the right one to white.
    const image = syntheticImage(700, 64, () => 0.5);
    const layout = planTiles(700, 64, { tileSize: 512, overlap: 64 });
    const assembler = new TileAssembler(layout, blankLike(image));
    layout.tiles.forEach((tile) => assembler.add(tile, flatTile(tile.rect.width, tile.rect.height, tile.column)));
    const out = assembler.finish();
    const row = Array.from({ length: 700 }, (_, x) => out.data[(10 * 700 + x) * 3]);
    expect(row.slice(0, 192).every((v) => v === 0)).toBe(true);
    expect(row.slice(512).every((v) => v === 255)).toBe(true);
    for (let x = 193; x < 512; x++) expect(row[x]).toBeGreaterThanOrEqual(row[x - 1]);
    expect(row[352]).toBe(128); // the middle of the overlap: half and half
  });

  it('writes finished rows as soon as the next tile row starts, and previews finished tiles', () => {
    const image = syntheticImage(700, 700, () => 100 / 255);
    const layout = planTiles(700, 700, { tileSize: 512, overlap: 64 }); // 2×2 tiles, rows at 0 and 192
    const target = copyImage(image);
    const assembler = new TileAssembler(layout, target);
    const white = (i: number): void => assembler.add(layout.tiles[i], flatTile(512, 512, 1));

    white(0);
    // Preview: the first tile shows (its blend so far), the rest is the target (the source here).
    let preview = assembler.preview(70);
    expect([preview.width, preview.height, preview.channels, preview.bitDepth]).toEqual([70, 70, 3, 8]);
    expect(preview.data[(5 * 70 + 5) * 3]).toBe(255);
    expect(preview.data[(65 * 70 + 65) * 3]).toBe(100);
    expect(target.data[0]).toBe(100); // nothing final yet

    white(1);
    white(2); // the first tile of row 2: rows [0, 192) are final now
    expect(target.data[(191 * 700 + 699) * 3]).toBe(255);
    expect(target.data[(192 * 700) * 3]).toBe(100);
    preview = assembler.preview(700);
    expect(preview.data[(650 * 700 + 100) * 3]).toBe(255); // tile 3 is in, though its rows are not final
    expect(preview.data[(650 * 700 + 650) * 3]).toBe(100); // only tile 4 covers this: still the target

    white(3);
    expect(assembler.tilesAdded).toBe(4);
    expect(assembler.finish().data.every((v) => v === 255)).toBe(true);
    expect(assembler.preview(512).data.every((v) => v === 255)).toBe(true);
  });

  it('previews a 16-bit target as 8-bit, at most maxSide on the long side', () => {
    const image = syntheticImage(1500, 400, () => 0.2, { bitDepth: 16, channels: 4 });
    const assembler = new TileAssembler(planTiles(1500, 400, OPTIONS), image);
    const preview = assembler.preview(512);
    expect([preview.width, preview.height]).toEqual([512, 137]);
    expect(preview.data[0]).toBe(51);
  });

  describe('refuses', () => {
    const image = syntheticImage(700, 700, () => 0.5);
    const layout = planTiles(700, 700, { tileSize: 512, overlap: 64 });
    const tile = (i: number): Tensor => flatTile(512, 512, 0.5);

    it('a target of another size', () => {
      expect(() => new TileAssembler(layout, syntheticImage(70, 70, () => 0))).toThrow(/target is 70×70 px but the layout is for 700×700 px/);
    });
    it('pixels of the wrong shape', () => {
      const assembler = new TileAssembler(layout, blankLike(image));
      expect(() => assembler.add(layout.tiles[0], flatTile(256, 512, 0))).toThrow(/tile 1 \(row 1, column 1\) needs pixels \[1,3,512,512\], got \[1,3,512,256\]/);
    });
    it('a tile twice, or out of row order', () => {
      const assembler = new TileAssembler(layout, blankLike(image));
      assembler.add(layout.tiles[0], tile(0));
      expect(() => assembler.add(layout.tiles[0], tile(0))).toThrow(/tile 1 .* was already added/);
      expect(() => assembler.add(layout.tiles[2], tile(2))).toThrow(/row by row: tile 2 \(row 1, column 2\) is missing before row 2/);
      assembler.add(layout.tiles[1], tile(1));
      assembler.add(layout.tiles[3], tile(3));
      expect(() => assembler.add(layout.tiles[1], tile(1))).toThrow(/already added/);
      expect(() => assembler.finish()).toThrow(/1 tile\(s\) not added, first tile 3 \(row 2, column 1\)/);
    });
    it('a tile of another layout, and tiles after finishing', () => {
      const assembler = new TileAssembler(layout, blankLike(image));
      const other = planTiles(900, 900, { tileSize: 512, overlap: 64 });
      expect(() => assembler.add(other.tiles[1], tile(1))).toThrow(/not a tile of this layout/);
      layout.tiles.forEach((t) => assembler.add(t, tile(t.index)));
      assembler.finish();
      expect(() => assembler.add(layout.tiles[0], tile(0))).toThrow(/finished/);
    });
  });
});
