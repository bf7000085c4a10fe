import { planTiledRefine } from '../../../../server/src/pipeline/tiled-refine';
import { planUpscale } from '../../../../server/src/pipeline/upscale';

describe('planUpscale', () => {
  it.each([
    { size: [300, 200], scale: 2, recipe: undefined, firstPass: null, output: [600, 400] },
    { size: [301, 201], scale: 1.5, recipe: undefined, firstPass: null, output: [452, 302] },
    { size: [1, 1], scale: 1, recipe: undefined, firstPass: null, output: [1, 1] },
    { size: [430, 300], scale: 2, recipe: 'insane', firstPass: [734, 512], output: [1468, 1024] },
    { size: [600, 800], scale: 2, recipe: 'insane', firstPass: [600, 800], output: [1200, 1600] }, // already ≥ 512
  ] as const)('$size × $scale, recipe $recipe', ({ size, scale, recipe, firstPass, output }) => {
    const plan = planUpscale(size[0], size[1], { scale, recipe });
    expect(plan.firstPass && [plan.firstPass.width, plan.firstPass.height]).toEqual(firstPass);
    expect([plan.output.width, plan.output.height]).toEqual(output);
  });
});

describe('planTiledRefine', () => {
  const tiles = { tileSize: 512, tileOverlap: 64, colorMatch: true };

  it('aligns the canvas to 64 px, so a single small tile suits the UNet', () => {
    const plan = planTiledRefine(300, 200, tiles, null);
    expect([plan.layout.canvasWidth, plan.layout.canvasHeight]).toEqual([320, 256]);
    expect(plan.modelRect(plan.layout.tiles[0])).toEqual({ x: 0, y: 0, width: 320, height: 256 });
    expect(plan.fieldDims).toEqual([1, 4, 32, 40]);
  });

  it('runs tiles of a size that is not a multiple of 64 grown to the next one, inside the noise field', () => {
    const plan = planTiledRefine(1500, 1000, { ...tiles, tileSize: 520 }, null);
    const last = plan.layout.tiles[plan.layout.tiles.length - 1];
    const model = plan.modelRect(last);
    expect([model.width, model.height]).toEqual([576, 576]);
    expect(plan.fieldDims).toEqual([1, 4, (model.y + 576) / 8, (model.x + 576) / 8]);
  });

  it('uses the fixed size of a static-shape export as the tile size, and runs small tiles at that size', () => {
    const plan = planTiledRefine(1300, 300, { ...tiles, tileSize: 768 }, [64, 64]);
    expect(plan.layout.tileSize).toBe(512);
    expect([plan.layout.tileWidth, plan.layout.tileHeight]).toEqual([512, 320]);
    const model = plan.modelRect(plan.layout.tiles[1]);
    expect([model.width, model.height]).toEqual([512, 512]);
  });
});
