import { planTiles } from '../../../../../server/src/pipeline/tiles/layout';
import { seamScore, tileBoundaries } from '../../../../helpers/seam-score';
import { syntheticImage } from '../../../../helpers/synthetic-image';

/** `Math` through a module constant: inside jest's sandbox every lookup of a global is slow (blend.test.ts). */
const math = Math;

/** The seam-score test helper must see a step at a tile boundary and nothing in a smooth image. */
describe('seam score (test helper)', () => {
  const layout = planTiles(1024, 1024, { tileSize: 512, overlap: 64 }); // origins 0, 256, 512
  const boundaries = tileBoundaries(layout);
  const diagonal = (x: number, y: number): number => (x + y) / 2048;

  it('lists where tiles start, end, and where their overlap is halved', () => {
    expect(boundaries.columns).toEqual([256, 384, 512, 640, 768]);
    expect(boundaries.rows).toEqual(boundaries.columns);
    expect(tileBoundaries(planTiles(500, 300, { tileSize: 512, overlap: 64 }))).toEqual({ columns: [], rows: [] });
  });

  it.each([8, 16] as const)('scores a smooth diagonal gradient ≈ 1 (%i-bit)', (bitDepth) => {
    const { score } = seamScore(syntheticImage(1024, 1024, diagonal, { bitDepth }), boundaries);
    expect(score).toBeGreaterThan(0.97);
    expect(score).toBeLessThan(1.02);
  });

  it('scores a step of 2% at a tile boundary clearly above 1.05', () => {
    const stepped = syntheticImage(1024, 1024, (x, y) => diagonal(x, y) + (x >= 384 ? 0.02 : 0));
    const result = seamScore(stepped, boundaries);
    expect(result.score).toBeGreaterThan(1.5);
    expect(result.columns[1]).toBe(result.score); // found in the band at x = 384
    expect(math.max(...result.rows)).toBeLessThan(1.02);
  });

  it('sees a faint step of one 8-bit level', () => {
    const stepped = syntheticImage(1024, 1024, (x, y) => diagonal(x, y) + (y >= 512 ? 1 / 255 : 0));
    expect(seamScore(stepped, boundaries).score).toBeGreaterThan(1.05);
  });

  it('does not count a smooth change of contrast across tiles as a seam', () => {
    // Oblique waves (every column crosses all their phases) whose amplitude grows from left to right: the
    // right-hand bands are steeper than the image's average, but not than their own neighbourhood.
    const waves = (x: number, y: number): number => math.sin((0.8 * x + 0.6 * y) / 5) + math.sin((0.6 * x - 0.8 * y) / 7);
    const texture = syntheticImage(1024, 1024, (x, y) => 0.5 + (0.02 + (0.15 * x) / 1024) * waves(x, y));
    const result = seamScore(texture, boundaries, { blurRadius: 2 });
    expect(result.score).toBeLessThan(1.05);
  });

  it('with a reference, does not count edges the picture itself has along a boundary', () => {
    // A picture with a real edge exactly on a boundary, and its "refinement" with a little texture.
    const picture = (x: number, y: number): number => 0.3 + 0.2 * math.sin(x / 37) * math.cos(y / 53) + (x >= 512 ? 0.1 : 0);
    const reference = syntheticImage(1024, 1024, picture);
    const refined = syntheticImage(1024, 1024, (x, y) => picture(x, y) + (((x * 7 + y * 13) % 5) - 2) / 255);
    expect(seamScore(refined, boundaries).score).toBeGreaterThan(1.5);
    const relative = seamScore(refined, boundaries, { reference }).score;
    expect(relative).toBeGreaterThan(0.95);
    expect(relative).toBeLessThan(1.05);
  });
});
